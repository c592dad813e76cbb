# SSKD stage 1: fit the SS projection head of a trained wrn40-2 on CIFAR-100.
# The classifier is frozen and stays in eval mode; only the head trains (contrastive CE, tau 1).
# The last checkpoint (epoch_*.pth of the final epoch) is the stage-2 teacher.
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/sskd_head_60e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='SSKDTeacher',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='WideResNet', depth=40, widen_factor=2),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=128, loss=dict(type='CrossEntropyLoss'))),
    # the classifier trained alone with CE (configs/baseline/wrn40-2_cifar100.py, best test epoch)
    # --cfg-options model.classifier_ckpt=work_dirs/wrn40-2_cifar100/best_accuracy_top1_epoch_*.pth
    classifier_ckpt=None,
    ss_head=dict(type='SSProjectionHead', in_channels=128),
    ss_task='contrastive',  # 'rotation', 'jigsaw', 'exemplar' (+ num_instances): the paper's Table 2
    transform_set='rotation3',  # 'paper4': colour drop / rotation / crop+resize / colour jitter
    tau=1.0,
)

# the frozen classifier's accuracy is constant: keep the last checkpoints, not a "best" one
default_hooks = dict(checkpoint=dict(interval=10, save_best=None))
