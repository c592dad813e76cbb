# Tiny-ImageNet (./tiny_imagenet.py's layout and classes) at 32x32 for the linear probe of a CIFAR-trained
# network (tools/linear_probe.py --dataset, protocol in ./_linear_probe.py): train images RandomResizedCrop
# (area 0.08-1, aspect 3/4-4/3) to 32x32 and flipped, val images resized to 32x32. The probe normalises with
# the network's own statistics; the channel order (to_rgb: the files are read as BGR) is this file's.
_base_ = ['./tiny_imagenet.py', './_linear_probe.py']
input_size = 32

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.08, 1.0), aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(32, 32)), dict(type='PackInputs')]

# ./tiny_imagenet.py froze its pipelines into its loaders: these
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
