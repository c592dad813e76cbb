# Offline HSSAKD, resnet32x4 -> resnet8x4 on CIFAR-100. The teacher is the checkpoint of
# hssakd-teacher_resnet32x4_1xb64-100e_cifar100.py ("Teacher") or hssakd-teacher-joint_resnet32x4_1xb64-240e_cifar100.py
# ("Teacher*").
_base_ = [
    '../_base_/methods/hssakd.py',
    '../_base_/models/resnet32x4.py',
    '../_base_/models/resnet8x4.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(
    student={{_base_.resnet8x4}},
    teacher=dict(student={{_base_.resnet32x4}}),
    channels_last=True,  # NHWC student and branches: 1.15x on CPU for this pair (docs/benchmarks.md)
)
