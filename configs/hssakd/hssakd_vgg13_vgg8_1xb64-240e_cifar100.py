# Offline HSSAKD, vgg13 -> vgg8 on CIFAR-100. The teacher is the checkpoint of
# hssakd-teacher_vgg13_1xb64-100e_cifar100.py ("Teacher") or hssakd-teacher-joint_vgg13_1xb64-240e_cifar100.py
# ("Teacher*").
_base_ = [
    '../_base_/methods/hssakd.py',
    '../_base_/models/vgg13.py',
    '../_base_/models/vgg8.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(student={{_base_.vgg8}}, teacher=dict(student={{_base_.vgg13}}))
