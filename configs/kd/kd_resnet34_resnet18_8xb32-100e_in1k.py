# Hinton KD, ResNet-34 -> ResNet-18 on ImageNet-1k (tau 4, CE and KD weighted 1).
# The teacher checkpoint (model.teacher_ckpt): configs/baseline/resnet34_8xb32-100e_in1k.py, or an mmpretrain ResNet-34.
_base_ = [
    '../_base_/methods/kd.py',
    '../_base_/models/resnet34.py',
    '../_base_/models/resnet18.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
]

model = dict(
    student={{_base_.resnet18}},
    teacher={{_base_.resnet34}},
    loss_ce=dict(type='HeadLoss', loss_weight=1.0),
    loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=1.0),
)
