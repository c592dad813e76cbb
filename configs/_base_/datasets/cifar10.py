# CIFAR-10 (python version extracted under data/cifar10/cifar-10-batches-py), standard augmentation.
# Sampler, persistent workers and evaluator: the skeleton ./_loaders.py.
_base_ = ['./_loaders.py']
input_size = 32  # read by the config-tree test and tools/benchmark.py
dataset_type = 'CIFAR10'
data_root = 'data/cifar10'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 10  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[125.307, 122.961, 113.8575],  # 0.4914, 0.4822, 0.4465
    std=[51.5865, 50.847, 51.255],  # 0.2023, 0.1994, 0.2010 (the common CIFAR-10 values)
    to_rgb=False,
)

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(type=dataset_type, split='train', download=False, pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=256, num_workers=4, dataset=dict(type=dataset_type, split='test', download=False, pipeline=test_pipeline)
)
test_dataloader = val_dataloader
