# A fine-grained set (CUB-200-2011 style) in the folder layout the MixSKD code reads with ImageFolder:
#   data/cub200/train/<class>/*.jpg and data/cub200/val/<class>/*.jpg (5,994 / 5,794 images, 200 classes).
# mmpretrain's own `CUB` dataset reads the original archive instead: replace each `dataset` below by
# dict(type='CUB', data_root='data/CUB_200_2011', split='train' | 'test', pipeline=...).
# Stanford Dogs / MIT67 / Cars / Aircraft use the same layout with their own num_classes.
input_size = 224  # read by the config-tree test and tools/benchmark.py
dataset_type = 'CustomDataset'
data_root = 'data/cub200'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 200  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

data_preprocessor = dict(
    type='ClsDataPreprocessor',
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=None, data_prefix='train', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=None, data_prefix='val', pipeline=test_pipeline),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
