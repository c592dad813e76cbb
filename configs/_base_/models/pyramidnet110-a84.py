# CIFAR PyramidNet-110, alpha 84, basic blocks: 3 stages of 18, widths 16 -> 100 (100-d features, 3.86M params).
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
pyramidnet110_a84 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARPyramidNet', depth=110, alpha=84, block='basic'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=100, loss=dict(type='CrossEntropyLoss')),
)
