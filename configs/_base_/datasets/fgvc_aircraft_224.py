# FGVC-Aircraft (100 variants; trainval 6,667 / test 3,333) read by mmpretrain's FGVCAircraft:
#   data/fgvc_aircraft/data/images/*.jpg and data/fgvc_aircraft/data/images_variant_{trainval,test}.txt
# (the fgvc-aircraft-2013b folder of the archive). ImageNet's preprocessor, 224 px pipelines, batch sizes
# and top-1 / top-5 accuracy (./imagenet.py), 4 workers.
_base_ = ['./imagenet.py']
input_size = 224  # read by the config-tree test and tools/benchmark.py
dataset_type = 'FGVCAircraft'
data_root = 'data/fgvc_aircraft'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 100  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

data_preprocessor = dict(num_classes=num_classes)  # ./imagenet.py froze its 1000 there
train_dataloader = dict(num_workers=4, dataset=dict(type=dataset_type, split='trainval'))
val_dataloader = dict(num_workers=4, dataset=dict(type=dataset_type, split='test'))
test_dataloader = val_dataloader
