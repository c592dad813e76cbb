# Tiny-ImageNet (200 classes, 100,000 train / 10,000 val images of 64x64) as tiny-imagenet-200.zip extracts:
#   data/tiny-imagenet-200/{wnids.txt, train/<wnid>/images/*.JPEG, val/images/*.JPEG, val/val_annotations.txt}
# (mmkd's TinyImageNet; classes are the sorted WordNet ids; the labelled val split is the test set).
# 64x64 inputs, random crop (padding 4) and flip. Sampler, persistent workers and evaluator: ./_loaders.py.
_base_ = ['./_loaders.py']
input_size = 64  # read by the config-tree test and tools/benchmark.py
dataset_type = 'TinyImageNet'
data_root = 'data/tiny-imagenet-200'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 200  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

# ImageNet statistics (Tiny-ImageNet is drawn from it); images are read as BGR
data_preprocessor = dict(
    num_classes=num_classes, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64)),  # a no-op on the 64x64 files; where a new input_size applies
    dict(type='RandomCrop', crop_size=64, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(64, 64)), dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=64, num_workers=4, dataset=dict(type=dataset_type, split='train', pipeline=train_pipeline)
)
val_dataloader = dict(
    batch_size=256, num_workers=4, dataset=dict(type=dataset_type, split='val', pipeline=test_pipeline)
)
test_dataloader = val_dataloader
val_evaluator = dict(topk=(1, 5))
test_evaluator = val_evaluator
