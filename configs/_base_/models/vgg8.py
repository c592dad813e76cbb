# CIFAR VGG-8 with BN (CRD zoo): 512-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
vgg8 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARVGG', depth=8),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=512, loss=dict(type='CrossEntropyLoss')),
)
