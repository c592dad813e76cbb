# HSSAKD teacher stage "Teacher*" for ImageNet ResNet-34 (backbone and branches jointly).
_base_ = [
    '../_base_/methods/hssakd-teacher-joint.py',
    '../_base_/models/resnet34.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
]

model = dict(student={{_base_.resnet34}})
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='BranchAccuracy')]
test_evaluator = val_evaluator
