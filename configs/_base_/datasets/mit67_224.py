# MIT67 indoor scenes (67 classes; TrainImages.txt 5,360 / TestImages.txt 1,340 entries):
#   data/mit67/Images/<class>/*.jpg and data/mit67/{TrainImages,TestImages}.txt (mmkd's MIT67).
# SkipUnreadableImages drops, and logs, any listed file that cannot be decoded (papers count 5,356 / 1,337).
# ImageNet's preprocessor, 224 px pipelines, batch sizes and top-1 / top-5 accuracy (./imagenet.py), 4 workers.
_base_ = ['./imagenet.py']
input_size = 224  # read by the config-tree test and tools/benchmark.py
dataset_type = 'MIT67'
data_root = 'data/mit67'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 67  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

data_preprocessor = dict(num_classes=num_classes)  # ./imagenet.py froze its 1000 there
train_dataloader = dict(
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type='SkipUnreadableImages',
        dataset=dict(type=dataset_type, data_root=None, split='train', pipeline={{_base_.train_pipeline}}),
    ),
)
val_dataloader = dict(
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type='SkipUnreadableImages',
        dataset=dict(type=dataset_type, data_root=None, split='test', pipeline={{_base_.test_pipeline}}),
    ),
)
test_dataloader = val_dataloader
