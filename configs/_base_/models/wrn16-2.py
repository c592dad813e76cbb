# Wide ResNet-16-2 for CIFAR: 128-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
wrn16_2 = dict(
    type='ImageClassifier',
    backbone=dict(type='WideResNet', depth=16, widen_factor=2),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=128, loss=dict(type='CrossEntropyLoss')),
)
