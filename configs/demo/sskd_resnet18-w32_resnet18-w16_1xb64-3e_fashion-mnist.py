# Demo: SSKD stage 2 — the student learns from the demo teacher with its SS head.
# --cfg-options model.teacher_ckpt=<the SSKD stage-1 checkpoint> (tools/distill.py sets it).
_base_ = [
    '../_base_/models/resnet18-w32.py',
    '../_base_/models/resnet18-w16.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/recipes/sskd.py',
]
model = dict(student={{_base_.resnet18_w16}}, teacher=dict(classifier={{_base_.resnet18_w32}}))
