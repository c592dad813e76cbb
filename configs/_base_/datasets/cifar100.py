# CIFAR-100 (python version extracted under data/cifar100/cifar-100-python), standard KD augmentation:
# CIFAR-10's pipelines and loaders (./cifar10.py) over the 100 classes, scored top-1 and top-5.
_base_ = ['./cifar10.py']
input_size = 32  # read by the config-tree test and tools/benchmark.py
dataset_type = 'CIFAR100'
data_root = 'data/cifar100'  # the datasets' data_root=None follow it; a dataset may set its own
num_classes = 100  # the one knob: heads, teachers and preprocessor follow it (mmkd/apis/config.py)

# mean 0.5071, 0.4865, 0.4409 and std 0.2673, 0.2564, 0.2762, x 255
data_preprocessor = dict(num_classes=num_classes, mean=[129.304, 124.070, 112.434], std=[68.170, 65.392, 70.418])

# ./cifar10.py froze its dataset_type into its loaders: this one's
train_dataloader = dict(dataset=dict(type=dataset_type))
val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = val_dataloader
val_evaluator = dict(topk=(1, 5))
test_evaluator = val_evaluator
