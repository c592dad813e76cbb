# mmpretrain's ResNet-18 trained alone on Fashion-MNIST (32x32, 10 classes from the dataset base).
_base_ = [
    '../_base_/models/resnet18.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.resnet18}}
