# hcgnet-a1 (HCGNet-A1, growth rates 12/24/36, 1.10M params) trained alone on CIFAR-100.
_base_ = [
    '../_base_/models/hcgnet-a1.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.hcgnet_a1}}
