# CIFAR ResNet-32x4 (CRD zoo): 3 stages of 5 basic blocks, 64/128/256 channels.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnet32x4 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet32x4'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=256, loss=dict(type='CrossEntropyLoss')),
)
