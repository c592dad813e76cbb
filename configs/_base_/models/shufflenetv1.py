# CIFAR ShuffleNetV1, 3 groups (CRD zoo): 960-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
shufflenetv1 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARShuffleNetV1', groups=3),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=960, loss=dict(type='CrossEntropyLoss')),
)
