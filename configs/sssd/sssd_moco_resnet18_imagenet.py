# SSSD stage 1 on ImageNet-1k: MoCo v2 pre-training of M_ssl = ResNet-18, 200 epochs, 8 GPUs x 32.
# Next: tools/kmeans_pseudo_labels.py (K=5000), then configs/sssd/sssd_sd_resnet18_imagenet.py.
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/sssd_moco_200e.py',
    '../_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmkd.models.selfsup', 'mmkd.engine.hooks.moco_momentum'], allow_failed_imports=False)

model = dict(
    type='LightlyMoCo',
    backbone=dict(type='ResNet', depth=18, zero_init_residual=False),
    projection=dict(hidden_dim=2048, output_dim=128),
    queue_size=65536,  # MoCo v2's reference
    temperature=0.2,
    momentum=0.999,
)
data_preprocessor = dict(_delete_=True, type='SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                         std=[58.395, 57.12, 57.375], to_rgb=True)

# MoCo v2's reference views (mmpretrain's mocov2 config). Gaussian blur is MoCo v2's but not in the
# paper's list; its prob 0 gives the paper's list (docs/methods/sssd.md, "moco_blur").
view_pipeline = [
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.2, 1.0), backend='pillow'),
    dict(type='RandomApply', prob=0.8,
         transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)]),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True, channel_weights=(0.114, 0.587, 0.2989)),  # BGR
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=32, drop_last=True, collate_fn=dict(type='default_collate'),
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = None
val_evaluator = None
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3, save_best=None))
