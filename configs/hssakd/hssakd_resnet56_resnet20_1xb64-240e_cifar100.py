# Offline HSSAKD, resnet56 -> resnet20 on CIFAR-100. The teacher is the checkpoint of
# hssakd-teacher_resnet56_1xb64-100e_cifar100.py ("Teacher") or hssakd-teacher-joint_resnet56_1xb64-240e_cifar100.py
# ("Teacher*").
_base_ = [
    '../_base_/methods/hssakd.py',
    '../_base_/models/resnet56.py',
    '../_base_/models/resnet20.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(student={{_base_.resnet20}}, teacher=dict(student={{_base_.resnet56}}))
