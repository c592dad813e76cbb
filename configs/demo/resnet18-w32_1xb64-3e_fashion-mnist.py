# Demo stage 1: the teacher (ResNet-18 at width 1/2) trained alone on Fashion-MNIST.
_base_ = ['../_base_/models/resnet18-w32.py', '../_base_/datasets/fashion_mnist.py', '../_base_/recipes/classifier.py']
model = {{_base_.resnet18_w32}}
