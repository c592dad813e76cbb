# SSKD stage 1: fit the SS projection head of a trained resnet34 on ImageNet.
# The frozen classifier (model.classifier_ckpt): configs/baseline/resnet34_8xb32-100e_in1k.py, or mmpretrain's
# resnet34_8xb32_in1k checkpoint (its keys load as they are), fetched by hand: nothing is downloaded at run time.
_base_ = [
    '../_base_/methods/sskd-teacher.py',
    '../_base_/models/resnet34.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/sskd_head_60e.py',
]

model = dict(classifier={{_base_.resnet34}}, ss_head=dict(in_channels=512))

# ImageNet head fitting is not specified anywhere (no official ImageNet code); our choice, scaled from
# the CIFAR recipe: 10 epochs (the head is tiny and sees 1.28M x 3 transformed rows per epoch),
# lr 0.1 for batch 256 (8 GPUs x 32 images = 1024 rows), x0.1 at 5 and 8, ImageNet weight decay.
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-4))
param_scheduler = dict(milestones=[5, 8])
train_cfg = dict(max_epochs=10, val_interval=10)
auto_scale_lr = dict(base_batch_size=256)
