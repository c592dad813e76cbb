# CIFAR ShuffleNetV2 1.0x (CRD zoo): 1024-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
shufflenetv2 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARShuffleNetV2', net_size=1.0),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=1024, loss=dict(type='CrossEntropyLoss')),
)
