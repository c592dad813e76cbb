# MixSKD, CIFAR-100, WRN-16-2 (paper Table 1: 74.89 +- 0.27).
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/mixskd_cifar_205e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='MixSKDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='WideResNet', depth=16, widen_factor=2),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=128, loss=dict(type='CrossEntropyLoss')),
    ),
    mixup_alpha=0.4,
    temperature=3.0,
)

train_dataloader = dict(batch_size=128)  # originals per step; 256 images are forwarded
