# A fine-grained set (CUB-200-2011 style) in the folder layout the MixSKD code reads with ImageFolder:
#   data/cub200/train/<class>/*.jpg and data/cub200/val/<class>/*.jpg (5,994 / 5,794 images, 200 classes).
# mmpretrain's own `CUB` dataset reads the original archive instead: replace each `dataset` below by
# dict(type='CUB', data_root='data/CUB_200_2011', split='train' | 'test', pipeline=...).
# Stanford Dogs / MIT67 / Cars / Aircraft use the same layout with their own num_classes.
# ImageNet's preprocessor, 224 px pipelines, batch sizes and top-1 / top-5 accuracy (./imagenet.py), 4 workers.
_base_ = ['./imagenet.py']
input_size = 224  # read by the config-tree test and tools/benchmark.py
dataset_type = 'CustomDataset'
data_root = 'data/cub200'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 200  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

data_preprocessor = dict(num_classes=num_classes)  # ./imagenet.py froze its 1000 there
train_dataloader = dict(
    num_workers=4,
    dataset=dict(
        _delete_=True, type=dataset_type, data_root=None, data_prefix='train', pipeline={{_base_.train_pipeline}}
    ),
)
val_dataloader = dict(
    num_workers=4,
    dataset=dict(
        _delete_=True, type=dataset_type, data_root=None, data_prefix='val', pipeline={{_base_.test_pipeline}}
    ),
)
test_dataloader = val_dataloader
