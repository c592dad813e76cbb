# Basic DenseNet-40, growth rate 12 (no bottleneck, no compression), for CIFAR: 448-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
densenet40_12 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARDenseNet', depth=40, growth_rate=12),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=448, loss=dict(type='CrossEntropyLoss')),
)
