# mmpretrain's ImageNet ResNet-34 (7x7 stem + max-pool): 512-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnet34 = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=34),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=512, loss=dict(type='CrossEntropyLoss')),
)
