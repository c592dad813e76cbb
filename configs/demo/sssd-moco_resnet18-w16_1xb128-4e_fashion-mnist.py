# Demo: SSSD stage 1 — MoCo v2 pre-training of the student's backbone on the unlabelled training images.
_base_ = ['../_base_/models/resnet18-w16.py', '../_base_/datasets/fashion_mnist.py', '../_base_/recipes/sssd-moco.py']
model = dict(backbone={{_base_.resnet18_w16.backbone}})
data_preprocessor = dict(
    _delete_=True,
    type='SelfSupDataPreprocessor',
    mean={{_base_.data_preprocessor.mean}},
    std={{_base_.data_preprocessor.std}},
    to_rgb={{_base_.data_preprocessor.to_rgb}},
)
view_pipeline = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.0)),
    dict(type='RandomApply', transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4)], prob=0.8),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = [
    dict(type='GrayToRGB'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128, drop_last=True, collate_fn=dict(type='default_collate'), dataset=dict(pipeline=train_pipeline)
)
val_dataloader = val_evaluator = None
