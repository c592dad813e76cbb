# CIFAR-100 (python version extracted under data/cifar100/cifar-100-python), standard KD augmentation.
input_size = 32  # read by the config-tree test and tools/benchmark.py
dataset_type = 'CIFAR100'
data_root = 'data/cifar100'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 100  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

data_preprocessor = dict(
    type='ClsDataPreprocessor',
    num_classes=num_classes,
    mean=[129.304, 124.070, 112.434],  # 0.5071, 0.4865, 0.4409
    std=[68.170, 65.392, 70.418],  # 0.2673, 0.2564, 0.2762
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
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=None, split='train', download=False, pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=None, split='test', download=False, pipeline=test_pipeline),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
