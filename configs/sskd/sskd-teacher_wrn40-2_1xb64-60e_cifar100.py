# SSKD stage 1: fit the SS projection head of a trained wrn40-2 on CIFAR-100.
# The frozen classifier (model.classifier_ckpt): configs/baseline/wrn40-2_1xb64-240e_cifar100.py (best test epoch).
_base_ = [
    '../_base_/methods/sskd-teacher.py',
    '../_base_/models/wrn40-2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/sskd_head_60e.py',
]

model = dict(classifier={{_base_.wrn40_2}}, ss_head=dict(in_channels=128))
