# mmpretrain's ImageNet-style ResNet-18 (7x7 stem + max-pool, 11.2M parameters); its backbone keys match
# mmdet's and mmseg's ResNet(depth=18), so an exported student transfers with no key fix-ups.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnet18 = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, out_indices=(3,)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512, loss=dict(type='CrossEntropyLoss')),
)
