# Cascade R-CNN, FPN, with the distilled ResNet-18 (width 1/4) student on the composed Fashion-MNIST set
# (../_base_/fmnist_composed_det.py). The widths of the backbone, FPN, RPN and all three box-head stages
# are read from the student checkpoint:
#
#   python tools/train.py configs/transfer/mmdet/cascade-rcnn_r18-w16_fpn_1xb8-600iter_fmnist-composed.py \
#       --cfg-options student_checkpoint=work_dirs/demo/student.pth
_base_ = ['mmdet::_base_/models/cascade-rcnn_r50_fpn.py', '../_base_/fmnist_composed_det.py']


def _stage(target_stds):
    # mmdet's Cascade R-CNN stage head; its widths come from the student
    return dict(
        type='Shared2FCBBoxHead',
        roi_feat_size=7,
        num_classes=10,
        reg_class_agnostic=True,
        bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.0, 0.0, 0.0, 0.0], target_stds=target_stds),
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0),
    )


model = dict(
    data_preprocessor=dict(mean=[72.94] * 3, std=[90.02] * 3, bgr_to_rgb=False),
    backbone=dict(
        depth=18,
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'),
    ),  # checkpoint: student_checkpoint
    rpn_head=dict(anchor_generator=dict(scales=[4], ratios=[0.5, 1.0, 2.0], strides=[4, 8, 16, 32, 64])),
    roi_head=dict(
        bbox_head=[_stage([0.1, 0.1, 0.2, 0.2]), _stage([0.05, 0.05, 0.1, 0.1]), _stage([0.033, 0.033, 0.067, 0.067])]
    ),
)
del _stage
