# HSSAKD teacher stage "Teacher*" for ImageNet ResNet-34 (backbone and branches jointly).
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='SSADNet',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=34),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=512, loss=dict(type='CrossEntropyLoss'))),
    aux_task='ssad',
    pretext='rotation',
)
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='BranchAccuracy')]
test_evaluator = val_evaluator
