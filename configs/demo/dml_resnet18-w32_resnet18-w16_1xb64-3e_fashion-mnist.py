# Demo: Deep Mutual Learning between a teacher-sized and a student-sized peer (peer 1 is evaluated).
_base_ = [
    '../_base_/models/resnet18-w32.py',
    '../_base_/models/resnet18-w16.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/recipes/dml.py',
]
model = dict(peers=[{{_base_.resnet18_w32}}, {{_base_.resnet18_w16}}])
