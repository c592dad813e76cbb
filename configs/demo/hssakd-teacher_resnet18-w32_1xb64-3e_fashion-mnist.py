# Demo: HSSAKD teacher stage "Teacher" — the trained demo teacher frozen, its branches learn joint labels;
# the checkpoint is selected on the branches' mean joint accuracy.
# --cfg-options model.classifier_ckpt=<the teacher stage's checkpoint> (tools/distill.py sets it).
_base_ = [
    '../_base_/models/resnet18-w32.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/recipes/hssakd-teacher.py',
]
model = dict(student={{_base_.resnet18_w32}})
val_evaluator = [dict(type='Accuracy', topk=(1,)), dict(type='BranchAccuracy')]
test_evaluator = val_evaluator
