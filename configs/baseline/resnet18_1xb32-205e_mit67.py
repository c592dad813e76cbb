# mmpretrain's ResNet-18 trained alone from scratch on MIT67 (67 indoor scenes), 224 px
# (MixSKD Table 2 "Baseline": 57.81 +- 1.42), with MixSKD's fine-grained recipe, as its competitors are.
_base_ = [
    '../_base_/models/resnet18.py',
    '../_base_/datasets/mit67_224.py',
    '../_base_/schedules/mixskd_finegrained_205e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.resnet18}}
