# SSKD stage 1: fit the SS projection head of a trained resnet32x4 on CIFAR-100.
# The frozen classifier (model.classifier_ckpt): configs/baseline/resnet32x4_1xb64-240e_cifar100.py (best test epoch).
_base_ = [
    '../_base_/methods/sskd-teacher.py',
    '../_base_/models/resnet32x4.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/sskd_head_60e.py',
]

model = dict(classifier={{_base_.resnet32x4}}, ss_head=dict(in_channels=256))
