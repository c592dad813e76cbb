# SSKD stage 2: distil resnet32x4 (with its stage-1 SS head) into shufflenetv2 on CIFAR-100.
# The teacher (model.teacher_ckpt) is the last checkpoint of sskd-teacher_resnet32x4_1xb64-60e_cifar100.py.
_base_ = [
    '../_base_/methods/sskd.py',
    '../_base_/models/resnet32x4.py',
    '../_base_/models/shufflenetv2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(
    student={{_base_.shufflenetv2}},
    ss_head=dict(in_channels=1024),
    teacher=dict(classifier={{_base_.resnet32x4}}, ss_head=dict(in_channels=256)),
)
# the official code: plain SGD (no Nesterov), lr 0.01 for the light students (MobileNetV2 / ShuffleNets)
optim_wrapper = dict(optimizer=dict(lr=0.01, nesterov=False))
