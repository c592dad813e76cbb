# MixSKD, CIFAR-100, WRN-16-2 (paper Table 1: 74.89 +- 0.27).
_base_ = [
    '../_base_/methods/mixskd.py',
    '../_base_/models/wrn16-2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/mixskd_cifar_205e.py',
]

model = dict(student={{_base_.wrn16_2}})

train_dataloader = dict(batch_size=128)  # originals per step; 256 images are forwarded
