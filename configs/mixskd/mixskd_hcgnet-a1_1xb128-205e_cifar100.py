# MixSKD, CIFAR-100, HCGNet-A1 (paper Table 1: 78.57 +- 0.19; baseline 75.58 +- 0.30).
# Growth rates 12/24/36, 8/8/8 SMG modules: 1.10M parameters with the 100-class classifier (the paper's 1.1M).
# Branch b1 leaves after hybrid block 1 (copies transition 1 onwards), b2 after hybrid block 2.
_base_ = [
    '../_base_/methods/mixskd.py',
    '../_base_/models/hcgnet-a1.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/mixskd_cifar_205e.py',
]

model = dict(student={{_base_.hcgnet_a1}})

train_dataloader = dict(batch_size=128)  # originals per step; 256 images are forwarded
