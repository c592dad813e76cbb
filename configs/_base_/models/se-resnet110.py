# CIFAR SE-ResNet-110: ResNet-110 (3 stages of 18 basic blocks, 16/32/64 channels) with SE (r=16), 1.75M params.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
se_resnet110 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARSEResNet', depth=110, block='basic', reduction=16),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=64, loss=dict(type='CrossEntropyLoss')),
)
