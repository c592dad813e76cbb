# STL-10 (binary distribution, extracted: data/stl10_binary/{train_X.bin, train_y.bin, test_X.bin, test_y.bin,
# class_names.txt}; 5,000 train / 8,000 test images of 96x96, 10 classes) at 32x32 for the linear probe of a
# CIFAR-trained network (tools/linear_probe.py --dataset, protocol in ./_linear_probe.py): train images
# RandomResizedCrop (area 0.08-1, aspect 3/4-4/3) to 32x32 and flipped, test images resized to 32x32.
# The probe normalises with the network's own statistics; the channel order (to_rgb) is this file's.
_base_ = ['./_loaders.py', './_linear_probe.py']
input_size = 32  # read by the config-tree test and tools/benchmark.py
dataset_type = 'STL10'
data_root = 'data/stl10_binary'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 10  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

# mean 0.4467, 0.4398, 0.4066 and std 0.2603, 0.2566, 0.2713, x 255; the arrays are RGB
data_preprocessor = dict(
    num_classes=num_classes, mean=[113.91, 112.15, 103.68], std=[66.38, 65.43, 69.18], to_rgb=False
)

train_pipeline = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.08, 1.0), aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='Resize', scale=(32, 32)), dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=64, num_workers=4, dataset=dict(type=dataset_type, split='train', pipeline=train_pipeline)
)
val_dataloader = dict(
    batch_size=256, num_workers=4, dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline)
)
test_dataloader = val_dataloader
