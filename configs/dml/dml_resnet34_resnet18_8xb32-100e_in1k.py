# Deep Mutual Learning, ResNet-34 + ResNet-18 on ImageNet-1k.
_base_ = [
    '../_base_/methods/dml.py',
    '../_base_/models/resnet34.py',
    '../_base_/models/resnet18.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
]

model = dict(peers=[{{_base_.resnet34}}, {{_base_.resnet18}}])
