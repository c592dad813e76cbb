# Fashion-MNIST (60k/10k, 10 classes) from the Debian package dataset-fashion-mnist:
# 28x28 gray -> 3 channels, resized to 32x32.
input_size = 32  # read by the config-tree test and tools/benchmark.py
dataset_type = 'FashionMNISTIDX'
data_root = '/usr/share/datasets/fashion-mnist'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 10  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

data_preprocessor = dict(
    type='ClsDataPreprocessor',
    num_classes=num_classes,
    mean=[72.94, 72.94, 72.94],  # 0.2860 * 255
    std=[90.02, 90.02, 90.02],  # 0.3530 * 255
    to_rgb=False,
)

train_pipeline = [
    dict(type='GrayToRGB'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='GrayToRGB'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=None, split='train', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=None, split='test', pipeline=test_pipeline),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
