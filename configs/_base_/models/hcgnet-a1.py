# HCGNet-A1 for CIFAR: growth rates 12/24/36, 8/8/8 SMG modules, 24-d stem, 414-d features (1.10M params).
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
hcgnet_a1 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARHCGNet', arch='a1'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=414, loss=dict(type='CrossEntropyLoss')),
)
