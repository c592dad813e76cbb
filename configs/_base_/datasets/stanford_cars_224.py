# Stanford Cars (196 classes, 8,144 train / 8,041 test) read by mmpretrain's StanfordCars, either layout:
#   data/stanford_cars/car_ims/*.jpg + cars_annos.mat, or
#   data/stanford_cars/{cars_train,cars_test}/*.jpg + devkit/{cars_train_annos,cars_test_annos_withlabels}.mat
# ImageNet's preprocessor, 224 px pipelines, batch sizes and top-1 / top-5 accuracy (./imagenet.py), 4 workers.
_base_ = ['./imagenet.py']
input_size = 224  # read by the config-tree test and tools/benchmark.py
dataset_type = 'StanfordCars'
data_root = 'data/stanford_cars'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 196  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

data_preprocessor = dict(num_classes=num_classes)  # ./imagenet.py froze its 1000 there
train_dataloader = dict(num_workers=4, dataset=dict(type=dataset_type, split='train'))
val_dataloader = dict(num_workers=4, dataset=dict(type=dataset_type, split='test'))
test_dataloader = val_dataloader
