# ResNet-18 at width 1/2 (base and stem 32 channels, 2.8M parameters): the demo's teacher.
# Bound to its own name, not `model`, so that a config can inherit several networks at once.
resnet18_w32 = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, base_channels=32, stem_channels=32, out_indices=(3,)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=256, loss=dict(type='CrossEntropyLoss')),
)
