# Online HSSAKD, two ResNet-18 peers on ImageNet-1k (Table VI).
_base_ = [
    '../_base_/methods/hssakd-online.py',
    '../_base_/models/resnet18.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
]

model = dict(peers=[{{_base_.resnet18}}, {{_base_.resnet18}}])
