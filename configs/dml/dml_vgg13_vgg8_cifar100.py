# Deep Mutual Learning, peers vgg13 + vgg8 on CIFAR-100 (peer 1 is the student; export with --peer 1).
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='DMLDistiller',
    peers=[
        dict(
            type='ImageClassifier',
            backbone=dict(type='CIFARVGG', depth=13),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=100, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
        dict(
            type='ImageClassifier',
            backbone=dict(type='CIFARVGG', depth=8),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=100, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
    ],
    eval_peer=1,
    tau=1.0,
)
