# Offline HSSAKD, wrn40-2 -> wrn40-1 on CIFAR-100. The teacher is the checkpoint of
# hssakd-teacher_wrn40-2_1xb64-100e_cifar100.py ("Teacher") or hssakd-teacher-joint_wrn40-2_1xb64-240e_cifar100.py
# ("Teacher*").
_base_ = [
    '../_base_/methods/hssakd.py',
    '../_base_/models/wrn40-2.py',
    '../_base_/models/wrn40-1.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(student={{_base_.wrn40_1}}, teacher=dict(student={{_base_.wrn40_2}}))
