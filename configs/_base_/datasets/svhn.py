# SVHN cropped digits (format 2: train_32x32.mat 73,257 / test_32x32.mat 26,032 images, 10 digits) under
# data/svhn (mmkd's SVHN: label 10 of the files is the digit 0). 32x32, random crop (padding 4) and no
# flip (a mirrored digit is another glyph). Sampler, persistent workers and evaluator: ./_loaders.py.
_base_ = ['./_loaders.py']
input_size = 32  # read by the config-tree test and tools/benchmark.py
dataset_type = 'SVHN'
data_root = 'data/svhn'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 10  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

# mean 0.4377, 0.4438, 0.4728 and std 0.1980, 0.2010, 0.1970, x 255; the arrays are RGB
data_preprocessor = dict(
    num_classes=num_classes, mean=[111.61, 113.17, 120.56], std=[50.49, 51.26, 50.24], to_rgb=False
)

train_pipeline = [dict(type='RandomCrop', crop_size=32, padding=4), dict(type='PackInputs')]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=128, num_workers=4, dataset=dict(type=dataset_type, split='train', pipeline=train_pipeline)
)
val_dataloader = dict(
    batch_size=256, num_workers=4, dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline)
)
test_dataloader = val_dataloader
