# MixSKD, ImageNet-1k, ResNet-50 (paper Table 3: 78.76 top-1). The exported backbone is the one the
# paper transfers to Cascade R-CNN (COCO) and DeepLabV3 (VOC / ADE20K / COCO-Stuff):
#   python tools/export_student.py work_dirs/mixskd_resnet50_imagenet/epoch_300.pth r50_mixskd.pth --backbone-only
# 8 GPUs x 32 originals = 256 per step (512 images forwarded); b1 alone adds stages 3-5, so budget memory.
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/mixskd_imagenet_300e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='MixSKDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=50, num_stages=4, out_indices=(3, ), style='pytorch'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048, loss=dict(type='CrossEntropyLoss')),
    ),
    mixup_alpha=0.2,
    temperature=3.0,
)
