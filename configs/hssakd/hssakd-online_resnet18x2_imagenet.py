# Online HSSAKD, two ResNet-18 peers on ImageNet-1k (Table VI).
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='OnlineHSSAKD',
    peers=[
        dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=18),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=1000, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
        dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=18),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=1000, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
    ],
    tau=3.0,
)
