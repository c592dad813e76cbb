# resnet34 trained alone on ImageNet-1k.
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=34),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=512, loss=dict(type='CrossEntropyLoss')))
