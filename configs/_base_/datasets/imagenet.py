# ImageNet-1k in mmpretrain's layout (data/imagenet/{train,val}, meta/{train,val}.txt).
# Sampler, persistent workers and evaluator: the skeleton ./_loaders.py.
_base_ = ['./_loaders.py']
input_size = 224  # read by the config-tree test and tools/benchmark.py
dataset_type = 'ImageNet'
data_root = 'data/imagenet'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 1000  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

data_preprocessor = dict(
    num_classes=num_classes, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True
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
    num_workers=8,  # batch per GPU; 8 GPUs x 32 = 256
    dataset=dict(type=dataset_type, split='train', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=64, num_workers=8, dataset=dict(type=dataset_type, split='val', pipeline=test_pipeline)
)
test_dataloader = val_dataloader
val_evaluator = dict(topk=(1, 5))
test_evaluator = val_evaluator
