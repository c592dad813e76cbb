# HSSAKD teacher stage "Teacher": a pretrained resnet32x4 (configs/baseline/resnet32x4_cifar100.py) is frozen
# (eval mode, BN statistics frozen) and only the auxiliary branches learn the joint labels.
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_100e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='SSADNet',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='CIFARResNet', arch='resnet32x4'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=256, loss=dict(type='CrossEntropyLoss'))),
    aux_task='ssad',
    pretext='rotation',
    freeze_classifier=True,
    classifier_ckpt=None,  # --cfg-options model.classifier_ckpt=work_dirs/resnet32x4_cifar100/best_accuracy_top1_epoch_*.pth
)
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='BranchAccuracy')]
test_evaluator = val_evaluator
