# HSSAKD teacher stage "Teacher" for ImageNet: a pretrained ResNet-34 frozen, branches only.
# The frozen classifier (model.classifier_ckpt): an mmpretrain ResNet-34 ImageNet checkpoint or
# configs/baseline/resnet34_8xb32-100e_in1k.py.
_base_ = [
    '../_base_/methods/hssakd-teacher.py',
    '../_base_/models/resnet34.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
]

model = dict(student={{_base_.resnet34}})
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='BranchAccuracy')]
test_evaluator = val_evaluator
