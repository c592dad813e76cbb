# SSKD stage 2: distil wrn40-2 (with its stage-1 SS head) into wrn16-2 on CIFAR-100.
# The teacher (model.teacher_ckpt) is the last checkpoint of sskd-teacher_wrn40-2_1xb64-60e_cifar100.py.
_base_ = [
    '../_base_/methods/sskd.py',
    '../_base_/models/wrn40-2.py',
    '../_base_/models/wrn16-2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(
    student={{_base_.wrn16_2}},
    ss_head=dict(in_channels=128),
    teacher=dict(classifier={{_base_.wrn40_2}}, ss_head=dict(in_channels=128)),
)
# the official code: plain SGD (no Nesterov), lr 0.05
optim_wrapper = dict(optimizer=dict(lr=0.05, nesterov=False))
