# Hinton KD, resnet32x4 -> shufflenetv2 on CIFAR-100, with the CRD benchmark's
# vanilla-KD setting (tau 4, CE 0.1, KD 0.9).
# The teacher checkpoint (model.teacher_ckpt) comes from configs/baseline/resnet32x4_1xb64-240e_cifar100.py.
_base_ = [
    '../_base_/methods/kd.py',
    '../_base_/models/resnet32x4.py',
    '../_base_/models/shufflenetv2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(student={{_base_.shufflenetv2}}, teacher={{_base_.resnet32x4}})
# light students train with lr 0.01 (CRD / SSKD / HSSAKD protocol)
optim_wrapper = dict(optimizer=dict(lr=0.01))
