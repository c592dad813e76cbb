# Online HSSAKD, two resnet32x4 peers trained from scratch on CIFAR-100 (export either with --peer K).
_base_ = [
    '../_base_/methods/hssakd-online.py',
    '../_base_/models/resnet32x4.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(peers=[{{_base_.resnet32x4}}, {{_base_.resnet32x4}}])
