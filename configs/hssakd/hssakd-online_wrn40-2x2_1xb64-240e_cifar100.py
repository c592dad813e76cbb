# Online HSSAKD, two wrn40-2 peers trained from scratch on CIFAR-100 (export either with --peer K).
_base_ = [
    '../_base_/methods/hssakd-online.py',
    '../_base_/models/wrn40-2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(peers=[{{_base_.wrn40_2}}, {{_base_.wrn40_2}}])
