# SSSD stage 1 on ImageNet-1k: MoCo v2 pre-training of M_ssl = ResNet-18, 200 epochs, 8 GPUs x 32.
# Next: tools/kmeans_pseudo_labels.py (K=5000), then configs/sssd/sssd_resnet18_8xb32-100e_in1k.py.
_base_ = ['../_base_/methods/sssd-moco.py', '../_base_/datasets/imagenet.py', '../_base_/schedules/sssd_moco_200e.py']

model = dict(backbone=dict(type='ResNet', depth=18), queue_size=65536)  # MoCo v2's reference queue
data_preprocessor = dict(
    _delete_=True,
    type='SelfSupDataPreprocessor',
    mean={{_base_.data_preprocessor.mean}},
    std={{_base_.data_preprocessor.std}},
    to_rgb={{_base_.data_preprocessor.to_rgb}},
)

# MoCo v2's reference views (mmpretrain's mocov2 config). Gaussian blur is MoCo v2's but not in the
# paper's list; its prob 0 gives the paper's list (docs/methods/sssd.md, "moco_blur").
view_pipeline = [
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.2, 1.0), backend='pillow'),
    dict(
        type='RandomApply',
        prob=0.8,
        transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)],
    ),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True, channel_weights=(0.114, 0.587, 0.2989)),  # BGR
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32, drop_last=True, collate_fn=dict(type='default_collate'), dataset=dict(pipeline=train_pipeline)
)
val_dataloader = val_evaluator = None
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
