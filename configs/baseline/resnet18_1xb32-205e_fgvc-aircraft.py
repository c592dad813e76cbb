# mmpretrain's ResNet-18 trained alone from scratch on FGVC-Aircraft (100 variants, trainval / test), 224 px
# (MixSKD Table 2 "Baseline": 77.07 +- 0.26), with MixSKD's fine-grained recipe, as its competitors are.
_base_ = [
    '../_base_/models/resnet18.py',
    '../_base_/datasets/fgvc_aircraft_224.py',
    '../_base_/schedules/mixskd_finegrained_205e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.resnet18}}
