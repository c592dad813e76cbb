# SSKD stage 2: distil resnet56 (with its stage-1 SS head) into resnet20 on CIFAR-100.
# The teacher (model.teacher_ckpt) is the last checkpoint of sskd-teacher_resnet56_1xb64-60e_cifar100.py.
_base_ = [
    '../_base_/methods/sskd.py',
    '../_base_/models/resnet56.py',
    '../_base_/models/resnet20.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(
    student={{_base_.resnet20}},
    ss_head=dict(in_channels=64),
    teacher=dict(classifier={{_base_.resnet56}}, ss_head=dict(in_channels=64)),
)
# the official code: plain SGD (no Nesterov), lr 0.05
optim_wrapper = dict(optimizer=dict(lr=0.05, nesterov=False))
