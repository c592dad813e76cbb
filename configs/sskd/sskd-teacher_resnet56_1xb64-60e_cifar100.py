# SSKD stage 1: fit the SS projection head of a trained resnet56 on CIFAR-100.
# The frozen classifier (model.classifier_ckpt): configs/baseline/resnet56_1xb64-240e_cifar100.py (best test epoch).
_base_ = [
    '../_base_/methods/sskd-teacher.py',
    '../_base_/models/resnet56.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/sskd_head_60e.py',
]

model = dict(classifier={{_base_.resnet56}}, ss_head=dict(in_channels=64))
