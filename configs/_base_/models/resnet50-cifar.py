# mmpretrain's ResNet_CIFAR-50 (3x3 stem, no max-pool): 2048-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnet50_cifar = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=50),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=2048, loss=dict(type='CrossEntropyLoss')),
)
