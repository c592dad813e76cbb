# MixSKD, CIFAR-100, DenseNet-40-12 (paper Table 1: 76.85 +- 0.19; baseline 74.61 +- 0.24).
# The basic (non-bottleneck, no compression) DenseNet-40 with k=12: 1.06M parameters with the
# 100-class classifier, the paper's "1.1M" (a "12 x [1x1, 3x3]" block layout would give 0.76M).
_base_ = [
    '../_base_/methods/mixskd.py',
    '../_base_/models/densenet40-12.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/mixskd_cifar_205e.py',
]

model = dict(student={{_base_.densenet40_12}})

train_dataloader = dict(batch_size=128)  # originals per step; 256 images are forwarded
