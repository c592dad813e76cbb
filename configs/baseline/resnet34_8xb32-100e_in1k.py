# resnet34 trained alone on ImageNet-1k.
_base_ = [
    '../_base_/models/resnet34.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.resnet34}}
