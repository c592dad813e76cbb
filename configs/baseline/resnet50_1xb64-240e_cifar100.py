# resnet50 trained alone on CIFAR-100 (the 'Student'/'Teacher' rows of the KD tables).
_base_ = [
    '../_base_/models/resnet50-cifar.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.resnet50_cifar}}
