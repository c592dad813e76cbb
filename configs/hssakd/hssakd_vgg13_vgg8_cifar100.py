# Offline HSSAKD, vgg13 -> vgg8 on CIFAR-100. The teacher is the checkpoint of
# hssakd-teacher_vgg13_cifar100.py ("Teacher") or hssakd-teacher-joint_vgg13_cifar100.py ("Teacher*").
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='HSSAKDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='CIFARVGG', depth=8),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
    teacher=dict(
        type='SSADNet',
        student=dict(
            type='ImageClassifier',
            backbone=dict(type='CIFARVGG', depth=13),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=100, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
        aux_task='ssad',
        pretext='rotation'),
    teacher_ckpt=None,  # --cfg-options model.teacher_ckpt=work_dirs/hssakd-teacher_vgg13_cifar100/best_*.pth
    fast_teacher=dict(fold_bn=True, channels_last=True, compile=False),  # exact inference form of the frozen teacher
    tau=3.0,
    kl_p_scope='all',  # 'upright' = vanilla KD on upright rows (Table IX), 'off'
    use_kl_q=True,
)
custom_hooks = [dict(type='TeacherCheckHook')]
