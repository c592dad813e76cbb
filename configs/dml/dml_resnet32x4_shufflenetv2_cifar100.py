# Deep Mutual Learning, peers resnet32x4 + shufflenetv2 on CIFAR-100 (peer 1 is the student; export with --peer 1).
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
            backbone=dict(type='CIFARResNet', arch='resnet32x4'),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=100, in_channels=256, loss=dict(type='CrossEntropyLoss'))),
        dict(
            type='ImageClassifier',
            backbone=dict(type='CIFARShuffleNetV2', net_size=1.0),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=100, in_channels=1024, loss=dict(type='CrossEntropyLoss'))),
    ],
    eval_peer=1,
    tau=1.0,
)
# light students train with lr 0.01 (CRD / SSKD / HSSAKD protocol)
optim_wrapper = dict(optimizer=dict(lr=0.01))
