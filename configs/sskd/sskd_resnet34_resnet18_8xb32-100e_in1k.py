# SSKD stage 2: distil resnet34 (with its stage-1 SS head) into resnet18 on ImageNet.
# The teacher (model.teacher_ckpt) is the last checkpoint of sskd-teacher_resnet34_8xb32-10e_in1k.py.
# ImageNet: no official settings; the HSSAKD ImageNet protocol (100 epochs, lr 0.1, batch 256,
# plain SGD) - a re-implementation, not the paper's recipe.
_base_ = [
    '../_base_/methods/sskd.py',
    '../_base_/models/resnet34.py',
    '../_base_/models/resnet18.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
]

model = dict(
    student={{_base_.resnet18}},
    ss_head=dict(in_channels=512),
    teacher=dict(classifier={{_base_.resnet34}}, ss_head=dict(in_channels=512)),
)
