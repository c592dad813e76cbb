# Hinton KD, wrn40-2 -> wrn16-2 on CIFAR-100, with the CRD benchmark's vanilla-KD setting (tau 4, CE 0.1, KD 0.9).
# The teacher checkpoint (model.teacher_ckpt) comes from configs/baseline/wrn40-2_1xb64-240e_cifar100.py.
_base_ = [
    '../_base_/methods/kd.py',
    '../_base_/models/wrn40-2.py',
    '../_base_/models/wrn16-2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(student={{_base_.wrn16_2}}, teacher={{_base_.wrn40_2}})
