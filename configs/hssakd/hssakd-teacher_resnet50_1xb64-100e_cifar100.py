# HSSAKD teacher stage "Teacher": a pretrained resnet50 (configs/baseline/resnet50_1xb64-240e_cifar100.py) is frozen
# (eval mode, BN statistics frozen) and only the auxiliary branches learn the joint labels.
# The frozen classifier (model.classifier_ckpt): configs/baseline/resnet50_1xb64-240e_cifar100.py.
_base_ = [
    '../_base_/methods/hssakd-teacher.py',
    '../_base_/models/resnet50-cifar.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_100e.py',
]

model = dict(student={{_base_.resnet50_cifar}})
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='BranchAccuracy')]
test_evaluator = val_evaluator
