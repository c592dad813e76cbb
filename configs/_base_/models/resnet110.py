# CIFAR ResNet-110 (CRD zoo): 3 stages of 18 basic blocks, 16/32/64 channels.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnet110 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet110'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=64, loss=dict(type='CrossEntropyLoss')),
)
