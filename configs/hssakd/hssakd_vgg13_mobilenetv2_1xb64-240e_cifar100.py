# Offline HSSAKD, vgg13 -> mobilenetv2 on CIFAR-100. The teacher is the checkpoint of
# hssakd-teacher_vgg13_1xb64-100e_cifar100.py ("Teacher") or hssakd-teacher-joint_vgg13_1xb64-240e_cifar100.py
# ("Teacher*").
_base_ = [
    '../_base_/methods/hssakd.py',
    '../_base_/models/vgg13.py',
    '../_base_/models/mobilenetv2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(student={{_base_.mobilenetv2}}, teacher=dict(student={{_base_.vgg13}}))
# light students train with lr 0.01 (CRD / SSKD / HSSAKD protocol)
optim_wrapper = dict(optimizer=dict(lr=0.01))
