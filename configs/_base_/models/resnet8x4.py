# CIFAR ResNet-8x4 (CRD zoo): 3 stages of 1 basic block, 64/128/256 channels.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnet8x4 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet8x4'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=256, loss=dict(type='CrossEntropyLoss')),
)
