# Fashion-MNIST (60k/10k, 10 classes) from the Debian package dataset-fashion-mnist:
# 28x28 gray -> 3 channels, resized to 32x32. Sampler, persistent workers and evaluator: the skeleton ./_loaders.py.
_base_ = ['./_loaders.py']
input_size = 32  # read by the config-tree test and tools/benchmark.py
dataset_type = 'FashionMNISTIDX'
data_root = '/usr/share/datasets/fashion-mnist'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 10  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

# mean 0.2860 and std 0.3530 (x 255) on each of the three copies of the gray channel
data_preprocessor = dict(num_classes=num_classes, mean=[72.94] * 3, std=[90.02] * 3, to_rgb=False)

train_pipeline = [
    dict(type='GrayToRGB'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='GrayToRGB'), dict(type='Resize', scale=(32, 32)), dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=64, num_workers=2, dataset=dict(type=dataset_type, split='train', pipeline=train_pipeline)
)
val_dataloader = dict(
    batch_size=256, num_workers=2, dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline)
)
test_dataloader = val_dataloader
