# Demo stage 1: the teacher (ResNet-18 at width 1/2) trained alone on Fashion-MNIST.
_base_ = [
    '../_base_/models/fashion_demo.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.teacher}}
