# MixSKD, FGVC-Aircraft (100 variants, trainval / test), 224 px, ResNet-18 from scratch
# (paper Table 2: 82.95 +- 0.31). The CUB-200 recipe (./mixskd_resnet18_1xb32-205e_cub200.py) on another dataset base.
_base_ = [
    '../_base_/methods/mixskd.py',
    '../_base_/models/resnet18.py',
    '../_base_/datasets/fgvc_aircraft_224.py',
    '../_base_/schedules/mixskd_finegrained_205e.py',
]

model = dict(student={{_base_.resnet18}})  # the classes: the dataset base's num_classes
