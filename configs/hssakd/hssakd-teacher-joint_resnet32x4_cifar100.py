# HSSAKD teacher stage "Teacher*": resnet32x4 and its branches trained jointly from scratch
# (CE on upright rows + joint-label CE on every branch). Also the single-network SSAD row of Table II.
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='SSADNet',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='CIFARResNet', arch='resnet32x4'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=256, loss=dict(type='CrossEntropyLoss'))),
    aux_task='ssad',  # Table II: 'supervised' | 'selfsup' | 'multitask' | 'ssad' | 'none'
    pretext='rotation',  # Table XII: 'rotation' | 'color_perm' | 'jigsaw'
)
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='BranchAccuracy')]
test_evaluator = val_evaluator
