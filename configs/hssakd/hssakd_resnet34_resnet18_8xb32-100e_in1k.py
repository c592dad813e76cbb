# Offline HSSAKD, ResNet-34 -> ResNet-18 on ImageNet-1k (batch 256 source images -> 1024 rows).
_base_ = [
    '../_base_/methods/hssakd.py',
    '../_base_/models/resnet34.py',
    '../_base_/models/resnet18.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
]

model = dict(student={{_base_.resnet18}}, teacher=dict(student={{_base_.resnet34}}))
