# The demo's networks (Fashion-MNIST, 32x32): mmpretrain's ImageNet-style ResNet-18 at width 1/4
# (student, transferable to mmdet/mmseg with base_channels=16) and at width 1/2 (teacher).
student = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, base_channels=16, stem_channels=16, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=128, loss=dict(type='CrossEntropyLoss')))
teacher = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, base_channels=32, stem_channels=32, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=256, loss=dict(type='CrossEntropyLoss')))
