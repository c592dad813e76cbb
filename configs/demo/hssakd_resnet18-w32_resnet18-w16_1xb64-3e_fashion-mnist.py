# Demo: offline HSSAKD from the demo teacher with branches (tau 3, all four rotations).
# --cfg-options model.teacher_ckpt=<the HSSAKD teacher stage's checkpoint> (tools/distill.py sets it).
_base_ = [
    '../_base_/models/resnet18-w32.py',
    '../_base_/models/resnet18-w16.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/recipes/hssakd.py',
]
model = dict(student={{_base_.resnet18_w16}}, teacher=dict(student={{_base_.resnet18_w32}}))
