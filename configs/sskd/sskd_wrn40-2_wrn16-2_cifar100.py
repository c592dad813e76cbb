# SSKD stage 2: distil wrn40-2 (with its stage-1 SS head) into wrn16-2 on CIFAR-100.
# loss = 0.1 CE + 0.9 KD (normal rows) + 2.7 L_T (transformed rows) + 10 L_ss (similarity rows),
# temperatures 4 / 4 / 0.5, selective transfer keeps all of L_T's rows and 75 % of L_ss's wrong ones.
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='SSKDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='WideResNet', depth=16, widen_factor=2),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=128, loss=dict(type='CrossEntropyLoss'))),
    # the stage-1 model (its classifier_ckpt is not needed: teacher_ckpt holds every weight)
    teacher=dict(
        type='SSKDTeacher',
        student=dict(
            type='ImageClassifier',
            backbone=dict(type='WideResNet', depth=40, widen_factor=2),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=100, in_channels=128, loss=dict(type='CrossEntropyLoss'))),
        ss_head=dict(type='SSProjectionHead', in_channels=128),
        ss_task='contrastive',  # as the stage-1 config
        transform_set='rotation3'),
    teacher_ckpt='work_dirs/sskd-teacher_wrn40-2_cifar100/epoch_60.pth',
    fast_teacher=dict(fold_bn=True, channels_last=True, compile=False),  # exact inference form of the frozen teacher
    ss_head=dict(type='SSProjectionHead', in_channels=128),
    loss_weights='code',  # or 'arxiv', 'eccv_supp', or dict(ce=, kd=, tf=, ss=)
    temperatures=dict(kd=4.0, tf=4.0, ss=0.5),
    selective_ratios=dict(tf=1.0, ss=0.75),
    components='kd+tf+ss',  # 'kd', 'kd+tf', 'ss_only' for the ablations
)

# the official code: plain SGD (no Nesterov), lr 0.05
optim_wrapper = dict(optimizer=dict(lr=0.05, nesterov=False))
custom_hooks = [dict(type='TeacherCheckHook')]
