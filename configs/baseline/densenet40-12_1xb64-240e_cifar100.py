# densenet40-12 (basic DenseNet, L=40, k=12, 1.06M params) trained alone on CIFAR-100.
_base_ = [
    '../_base_/models/densenet40-12.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.densenet40_12}}
