# SSKD stage 2: distil vgg13 (with its stage-1 SS head) into vgg8 on CIFAR-100.
# The teacher (model.teacher_ckpt) is the last checkpoint of sskd-teacher_vgg13_1xb64-60e_cifar100.py.
_base_ = [
    '../_base_/methods/sskd.py',
    '../_base_/models/vgg13.py',
    '../_base_/models/vgg8.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(
    student={{_base_.vgg8}},
    ss_head=dict(in_channels=512),
    teacher=dict(classifier={{_base_.vgg13}}, ss_head=dict(in_channels=512)),
)
# the official code: plain SGD (no Nesterov), lr 0.05
optim_wrapper = dict(optimizer=dict(lr=0.05, nesterov=False))
