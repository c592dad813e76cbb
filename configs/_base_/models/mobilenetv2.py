# CIFAR MobileNetV2 at width 0.5 (CRD zoo): 1280-d features.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
mobilenetv2 = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARMobileNetV2', width_mult=0.5),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=1280, loss=dict(type='CrossEntropyLoss')),
)
