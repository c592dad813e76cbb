# Offline HSSAKD, resnet50 -> mobilenetv2 on CIFAR-100. The teacher is the checkpoint of
# hssakd-teacher_resnet50_1xb64-100e_cifar100.py ("Teacher") or hssakd-teacher-joint_resnet50_1xb64-240e_cifar100.py
# ("Teacher*").
_base_ = [
    '../_base_/methods/hssakd.py',
    '../_base_/models/resnet50-cifar.py',
    '../_base_/models/mobilenetv2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(student={{_base_.mobilenetv2}}, teacher=dict(student={{_base_.resnet50_cifar}}))
# light students train with lr 0.01 (CRD / SSKD / HSSAKD protocol)
optim_wrapper = dict(optimizer=dict(lr=0.01))
