# ResNet-18 at width 1/4 (base and stem 16 channels, 0.7M parameters): the demo's student. It transfers to
# mmdet / mmseg ResNet(depth=18, base_channels=16, stem_channels=16).
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnet18_w16 = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, base_channels=16, stem_channels=16, out_indices=(3,)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=128, loss=dict(type='CrossEntropyLoss')),
)
