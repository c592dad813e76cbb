# Stanford Dogs (120 breeds, 12,000 train / 8,580 test) as images.tar + lists.tar extract:
#   data/stanford_dogs/Images/<wnid>-<breed>/*.jpg and data/stanford_dogs/lists/{train,test}_list.mat
# (mmkd's StanfordDogs; classes are the sorted Images/ folders). ImageNet's preprocessor, 224 px pipelines,
# batch sizes and top-1 / top-5 accuracy (./imagenet.py), 4 workers.
_base_ = ['./imagenet.py']
input_size = 224  # read by the config-tree test and tools/benchmark.py
dataset_type = 'StanfordDogs'
data_root = 'data/stanford_dogs'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 120  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

data_preprocessor = dict(num_classes=num_classes)  # ./imagenet.py froze its 1000 there
train_dataloader = dict(num_workers=4, dataset=dict(type=dataset_type, split='train'))
val_dataloader = dict(num_workers=4, dataset=dict(type=dataset_type, split='test'))
test_dataloader = val_dataloader
