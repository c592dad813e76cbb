# mmpretrain's ResNet-50 trained alone from scratch on Tiny-ImageNet, 64x64 (CSS Table 3 "Baseline":
# 49.43 +- 0.50), with the recipe of configs/css/css_resnet50_resnet50_1xb128-300e_tiny-imagenet.py (the CSS CIFAR
# schedule: 300 epochs, SGD 0.1, wd 5e-4, batch 128, x0.1 at 150 / 225).
_base_ = [
    '../_base_/models/resnet50.py',
    '../_base_/datasets/tiny_imagenet.py',
    '../_base_/schedules/css_cifar_300e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.resnet50}}

train_dataloader = dict(batch_size=128)
