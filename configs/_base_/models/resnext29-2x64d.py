# CIFAR ResNeXt-29 2x64d: 3 stages of 3 bottlenecks (cardinality 2, width 64), 256/512/1024 channels (9.22M params).
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnext29_2x64d = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNeXt', depth=29, cardinality=2, base_width=64),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=1024, loss=dict(type='CrossEntropyLoss')),
)
