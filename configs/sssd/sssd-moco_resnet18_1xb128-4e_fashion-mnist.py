# SSSD stage 1 on Fashion-MNIST, the CPU example of the three-stage chain (docs/methods/sssd.md):
# MoCo v2 built from lightly's blocks, ResNet-18, on the first 2560 training images for 4 epochs.
_base_ = [
    '../_base_/methods/sssd-moco.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/sssd_moco_fashion_short.py',
]

model = dict(
    backbone=dict(type='ResNet', depth=18),
    queue_size=1024,  # well below the 2560 images, so an image's own stale key is rarely a negative
    momentum=0.99,  # 0.999 would leave the key encoder far behind in a run of ~80 iterations
)
data_preprocessor = dict(
    _delete_=True,
    type='SelfSupDataPreprocessor',
    mean={{_base_.data_preprocessor.mean}},
    std={{_base_.data_preprocessor.std}},
    to_rgb={{_base_.data_preprocessor.to_rgb}},
)

# The paper's list (crop, colour jitter, flip, grayscale), minus grayscale (a no-op on gray images).
# Gaussian blur (MoCo v2's, not the paper's) is off: prob 0; docs/methods/sssd.md, "moco_blur".
view_pipeline = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.0)),
    dict(type='RandomApply', transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4)], prob=0.8),
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = [
    dict(type='GrayToRGB'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    drop_last=True,
    collate_fn=dict(type='default_collate'),
    dataset=dict(num_samples=2560, pipeline=train_pipeline),
)
val_dataloader = val_evaluator = None
test_dataloader = dict(dataset=dict(num_samples=2000))  # held-out set of tools/kmeans_pseudo_labels.py --eval-split

default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=1), logger=dict(interval=5))
