# SSKD stage 1: fit the SS projection head of a trained resnet34 on ImageNet.
# The classifier is frozen and stays in eval mode; only the head trains (contrastive CE, tau 1).
# The last checkpoint (epoch_*.pth of the final epoch) is the stage-2 teacher.
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/sskd_head_60e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='SSKDTeacher',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=34),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
    # the trained ResNet-34: configs/baseline/resnet34_imagenet.py, or mmpretrain's resnet34_8xb32_in1k
    # checkpoint (its keys load as they are), fetched by hand: nothing is downloaded at run time
    # --cfg-options model.classifier_ckpt=work_dirs/resnet34_imagenet/best_accuracy_top1_epoch_*.pth
    classifier_ckpt=None,
    ss_head=dict(type='SSProjectionHead', in_channels=512),
    ss_task='contrastive',  # 'rotation', 'jigsaw', 'exemplar' (+ num_instances): the paper's Table 2
    transform_set='rotation3',  # 'paper4': colour drop / rotation / crop+resize / colour jitter
    tau=1.0,
)

# ImageNet head fitting is not specified anywhere (no official ImageNet code); our choice, scaled from
# the CIFAR recipe: 10 epochs (the head is tiny and sees 1.28M x 3 transformed rows per epoch),
# lr 0.1 for batch 256 (8 GPUs x 32 images = 1024 rows), x0.1 at 5 and 8, ImageNet weight decay.
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-4))
param_scheduler = dict(milestones=[5, 8])
train_cfg = dict(max_epochs=10, val_interval=10)
auto_scale_lr = dict(base_batch_size=256)

# the frozen classifier's accuracy is constant: keep the last checkpoints, not a "best" one
default_hooks = dict(checkpoint=dict(interval=10, save_best=None))
