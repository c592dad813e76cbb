# HSSAKD teacher stage "Teacher*": resnet32x4 and its branches trained jointly from scratch
# (CE on upright rows + joint-label CE on every branch). Also the single-network SSAD row of Table II.
_base_ = [
    '../_base_/methods/hssakd-teacher-joint.py',
    '../_base_/models/resnet32x4.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(student={{_base_.resnet32x4}})
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='BranchAccuracy')]
test_evaluator = val_evaluator
