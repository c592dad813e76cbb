# Demo: the student (ResNet-18 at width 1/4) trained alone — the reference row.
_base_ = ['../_base_/models/resnet18-w16.py', '../_base_/datasets/fashion_mnist.py', '../_base_/recipes/classifier.py']
model = {{_base_.resnet18_w16}}
