# SSKD stage 2: distil resnet34 (with its stage-1 SS head) into resnet18 on ImageNet.
# loss = 0.1 CE + 0.9 KD (normal rows) + 2.7 L_T (transformed rows) + 10 L_ss (similarity rows),
# temperatures 4 / 4 / 0.5, selective transfer keeps all of L_T's rows and 75 % of L_ss's wrong ones.
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='SSKDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
    # the stage-1 model (its classifier_ckpt is not needed: teacher_ckpt holds every weight)
    teacher=dict(
        type='SSKDTeacher',
        student=dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=34),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=1000, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
        ss_head=dict(type='SSProjectionHead', in_channels=512),
        ss_task='contrastive',  # as the stage-1 config
        transform_set='rotation3'),
    teacher_ckpt='work_dirs/sskd-teacher_resnet34_imagenet/epoch_10.pth',
    fast_teacher=dict(fold_bn=True, channels_last=True, compile=False),  # exact inference form of the frozen teacher
    ss_head=dict(type='SSProjectionHead', in_channels=512),
    loss_weights='code',  # or 'arxiv', 'eccv_supp', or dict(ce=, kd=, tf=, ss=)
    temperatures=dict(kd=4.0, tf=4.0, ss=0.5),
    selective_ratios=dict(tf=1.0, ss=0.75),
    components='kd+tf+ss',  # 'kd', 'kd+tf', 'ss_only' for the ablations
)

# ImageNet: no official settings; the HSSAKD ImageNet protocol (100 epochs, lr 0.1, batch 256,
# plain SGD) - a re-implementation, not the paper's recipe.
custom_hooks = [dict(type='TeacherCheckHook')]
