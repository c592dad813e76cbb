# mmpretrain's ResNet_CIFAR-18 (3x3 stem, no max-pool): 512-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnet18_cifar = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=512, loss=dict(type='CrossEntropyLoss')),
)
