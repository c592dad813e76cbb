# resnet20 trained alone on CIFAR-100 (the 'Student'/'Teacher' rows of the KD tables).
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet20'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=64, loss=dict(type='CrossEntropyLoss')))
