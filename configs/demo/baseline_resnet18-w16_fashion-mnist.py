# Demo: the student (ResNet-18 at width 1/4) trained alone — the reference row.
_base_ = [
    '../_base_/models/fashion_demo.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.student}}
