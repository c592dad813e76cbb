# Online HSSAKD, two wrn40-2 peers trained from scratch on CIFAR-100 (export either with --peer K).
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='OnlineHSSAKD',
    peers=[
        dict(
            type='ImageClassifier',
            backbone=dict(type='WideResNet', depth=40, widen_factor=2),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=100, in_channels=128, loss=dict(type='CrossEntropyLoss'))),
        dict(
            type='ImageClassifier',
            backbone=dict(type='WideResNet', depth=40, widen_factor=2),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=100, in_channels=128, loss=dict(type='CrossEntropyLoss'))),
    ],
    pretext='rotation',
    tau=3.0,
    use_aux=True,
    use_kl_q=True,
    kl_p_scope='all',  # 'upright' = DML on logits (Table X)
)
