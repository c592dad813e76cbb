# mmpretrain's ImageNet ResNet-50 (7x7 stem + max-pool): 2048-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnet50 = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=50),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048, loss=dict(type='CrossEntropyLoss')),
)
