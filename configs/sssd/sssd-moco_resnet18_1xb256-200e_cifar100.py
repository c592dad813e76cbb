# SSSD stage 1 on CIFAR-100: MoCo v2 pre-training of M_ssl = ResNet-18 (CIFAR stem), 200 epochs.
# Next: tools/kmeans_pseudo_labels.py (K=500), then configs/sssd/sssd_resnet18_1xb128-200e_cifar100.py.
_base_ = ['../_base_/methods/sssd-moco.py', '../_base_/datasets/cifar100.py', '../_base_/schedules/sssd_moco_200e.py']

# see sssd-moco_resnet18_1xb256-200e_cifar10.py
model = dict(backbone=dict(type='ResNet_CIFAR', depth=18), queue_size=4096)
data_preprocessor = dict(
    _delete_=True,
    type='SelfSupDataPreprocessor',
    mean={{_base_.data_preprocessor.mean}},
    std={{_base_.data_preprocessor.std}},
    to_rgb={{_base_.data_preprocessor.to_rgb}},
)

view_pipeline = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.0), backend='pillow'),
    dict(
        type='RandomApply',
        prob=0.8,
        transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)],
    ),
    dict(
        type='RandomGrayscale', prob=0.2, keep_channels=True, channel_weights=(0.2989, 0.587, 0.114), color_format='rgb'
    ),
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.0),  # the blur switch
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = [dict(type='MultiView', num_views=2, transforms=[view_pipeline]), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=256, drop_last=True, collate_fn=dict(type='default_collate'), dataset=dict(pipeline=train_pipeline)
)
val_dataloader = val_evaluator = None
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
