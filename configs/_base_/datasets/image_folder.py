# Your own image set, one folder per class:
#   <data_root>/train/<class>/*.png|jpg   <data_root>/val/<class>/...   <data_root>/test/<class>/... (optional)
# Classes are numbered by their sorted folder names; every split must hold the same class folders.
# Without a test/ folder, testing reads val/ (the switch is logged).
#
# The knobs are the three lines below; set them in your config (or with --cfg-options): the datasets,
# the pipelines' sizes, every head / teacher / branch and the data preprocessor follow them when the
# run is built (mmkd/apis/config.py), and a num_classes that does not match the folders is an error.
#
# Composition: a config takes its data from exactly one dataset base (mmengine refuses a key bound by
# two bases), so `_base_ = [<a shipped method config>, image_folder.py]` fails with "Duplicate key is
# not allowed among bases". A method config is its recipe, networks, one dataset base and a schedule;
# put this file where the shipped config lists its dataset base, e.g.
#   _base_ = ['../_base_/methods/kd.py', '../_base_/models/resnet32x4.py', '../_base_/models/resnet8x4.py',
#             '../_base_/datasets/image_folder.py', '../_base_/schedules/cifar_240e.py']
#   model = dict(student={{_base_.resnet8x4}}, teacher={{_base_.resnet32x4}})
#   data_root = 'data/my_set'
#   num_classes = 4
# Lines a method config adds over its dataset base (a batch size, a wrapper) go in your config as well.
data_root = 'data/my_set'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 2
input_size = 32  # images are resized to input_size x input_size (read by the config-tree test too)
dataset_type = 'ImageFolderDataset'
# Sampler, persistent workers and top-1 accuracy (top-5 needs at least 5 classes): the skeleton ./_loaders.py.
_base_ = ['./_loaders.py']

# ImageNet statistics of RGB images; images are read as BGR
data_preprocessor = dict(
    num_classes=num_classes, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(input_size, input_size)),
    dict(type='RandomCrop', crop_size=input_size, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(input_size, input_size)),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(type=dataset_type, data_prefix='train', num_classes=num_classes, pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(type=dataset_type, data_prefix='val', num_classes=num_classes, pipeline=test_pipeline),
)
test_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(
        type=dataset_type, data_prefix='test', fallback_prefix='val', num_classes=num_classes, pipeline=test_pipeline
    ),
)
