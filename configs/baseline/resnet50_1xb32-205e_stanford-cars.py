# mmpretrain's ResNet-50 trained alone from scratch on Stanford Cars (196 classes), 224 px (CSS Table 3 "Baseline":
# 81.72 +- 1.81), with the recipe of configs/css/css_resnet50_resnet50_1xb32-205e_stanford-cars.py (SGD 0.1, wd 1e-4,
# batch 32,
# 5-epoch warm-up, x0.1 at 105 / 155, 205 epochs: ../_base_/schedules/css_finegrained_205e.py).
_base_ = [
    '../_base_/models/resnet50.py',
    '../_base_/datasets/stanford_cars_224.py',
    '../_base_/schedules/css_finegrained_205e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.resnet50}}
