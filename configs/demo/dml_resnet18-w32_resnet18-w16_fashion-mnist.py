# Demo: Deep Mutual Learning between a teacher-sized and a student-sized peer (peer 1 is evaluated).
_base_ = [
    '../_base_/models/fashion_demo.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]
model = dict(type='DMLDistiller', peers=[{{_base_.teacher}}, {{_base_.student}}], eval_peer=1)
