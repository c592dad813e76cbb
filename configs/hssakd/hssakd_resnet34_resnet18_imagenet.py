# Offline HSSAKD, ResNet-34 -> ResNet-18 on ImageNet-1k (batch 256 source images -> 1024 rows).
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='HSSAKDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
    teacher=dict(
        type='SSADNet',
        student=dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=34),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=1000, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
        aux_task='ssad',
        pretext='rotation'),
    teacher_ckpt=None,  # --cfg-options model.teacher_ckpt=work_dirs/hssakd-teacher_resnet34_imagenet/best_*.pth
    fast_teacher=dict(fold_bn=True, channels_last=True, compile=False),  # exact inference form of the frozen teacher
    tau=3.0,
)
custom_hooks = [dict(type='TeacherCheckHook')]
