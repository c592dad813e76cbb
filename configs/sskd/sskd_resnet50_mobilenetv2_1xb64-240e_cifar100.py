# SSKD stage 2: distil resnet50 (with its stage-1 SS head) into mobilenetv2 on CIFAR-100.
# The teacher (model.teacher_ckpt) is the last checkpoint of sskd-teacher_resnet50_1xb64-60e_cifar100.py.
_base_ = [
    '../_base_/methods/sskd.py',
    '../_base_/models/resnet50-cifar.py',
    '../_base_/models/mobilenetv2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(
    student={{_base_.mobilenetv2}},
    ss_head=dict(in_channels=1280),
    teacher=dict(classifier={{_base_.resnet50_cifar}}, ss_head=dict(in_channels=2048)),
)
# the official code: plain SGD (no Nesterov), lr 0.01 for the light students (MobileNetV2 / ShuffleNets)
optim_wrapper = dict(optimizer=dict(lr=0.01, nesterov=False))
