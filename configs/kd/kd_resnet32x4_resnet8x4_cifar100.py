# Hinton KD, resnet32x4 -> resnet8x4 on CIFAR-100, with the CRD benchmark's vanilla-KD setting (tau 4, CE 0.1, KD 0.9).
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='KDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='CIFARResNet', arch='resnet8x4'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=256, loss=dict(type='CrossEntropyLoss'))),
    teacher=dict(
        type='ImageClassifier',
        backbone=dict(type='CIFARResNet', arch='resnet32x4'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=256, loss=dict(type='CrossEntropyLoss'))),
    teacher_ckpt=None,  # --cfg-options model.teacher_ckpt=work_dirs/resnet32x4_cifar100/best_accuracy_top1_epoch_*.pth
    fast_teacher=dict(fold_bn=True, channels_last=True, compile=False),  # exact inference form of the frozen teacher
    tau=4.0,
    ce_weight=0.1,
    kd_weight=0.9,
)
custom_hooks = [dict(type='TeacherCheckHook')]
