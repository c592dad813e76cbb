# densenet40-12 (basic DenseNet, L=40, k=12, 1.06M params) trained alone on CIFAR-100.
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARDenseNet', depth=40, growth_rate=12),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=448, loss=dict(type='CrossEntropyLoss')))
