# Wide ResNet-40-1 for CIFAR: 64-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
wrn40_1 = dict(
    type='ImageClassifier',
    backbone=dict(type='WideResNet', depth=40, widen_factor=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=64, loss=dict(type='CrossEntropyLoss')),
)
