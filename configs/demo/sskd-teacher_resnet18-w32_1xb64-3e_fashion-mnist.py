# Demo: SSKD stage 1 — the SS projection head of the frozen demo teacher learns the contrastive task.
# --cfg-options model.classifier_ckpt=<the teacher stage's checkpoint> (tools/distill.py sets it).
_base_ = [
    '../_base_/models/resnet18-w32.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/recipes/sskd-teacher.py',
]
model = dict(classifier={{_base_.resnet18_w32}})
