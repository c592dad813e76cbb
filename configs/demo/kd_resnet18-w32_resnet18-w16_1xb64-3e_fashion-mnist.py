# Demo: Hinton KD from the demo teacher (tau 4, CE 0.1 + KD 0.9 as in the CRD benchmark).
# --cfg-options model.teacher_ckpt=<the teacher stage's checkpoint> (tools/distill.py sets it).
_base_ = [
    '../_base_/models/resnet18-w32.py',
    '../_base_/models/resnet18-w16.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/recipes/kd.py',
]
model = dict(student={{_base_.resnet18_w16}}, teacher={{_base_.resnet18_w32}})
