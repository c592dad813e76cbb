# mmpretrain's ResNet-50 trained alone from scratch on Stanford Dogs (120 breeds), 224 px (CSS Table 3 "Baseline":
# 63.74 +- 0.16), with the recipe of configs/css/css_resnet50_resnet50_1xb32-205e_stanford-dogs.py (SGD 0.1, wd 1e-4,
# batch 32,
# 5-epoch warm-up, x0.1 at 105 / 155, 205 epochs: ../_base_/schedules/css_finegrained_205e.py).
_base_ = [
    '../_base_/models/resnet50.py',
    '../_base_/datasets/stanford_dogs_224.py',
    '../_base_/schedules/css_finegrained_205e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.resnet50}}
