# MixSKD, CUB-200-2011 (folder layout, 224 px), ResNet-18 from scratch (paper Table 2: 72.15 +- 0.53).
# Fine-grained schedule: ../_base_/schedules/mixskd_finegrained_205e.py (the CIFAR one at batch 32, wd 1e-4).
# Same recipe for Dogs / MIT67 / Cars / Aircraft with their num_classes and data_root.
_base_ = [
    '../_base_/methods/mixskd.py',
    '../_base_/models/resnet18.py',
    '../_base_/datasets/cub_224.py',
    '../_base_/schedules/mixskd_finegrained_205e.py',
]

model = dict(student={{_base_.resnet18}})  # 200 classes: the dataset base's num_classes
