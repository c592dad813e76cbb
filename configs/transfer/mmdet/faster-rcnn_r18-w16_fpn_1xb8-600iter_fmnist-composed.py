# The demo's detection transfer: Faster R-CNN, FPN, with the distilled ResNet-18 (width 1/4) student on the
# composed Fashion-MNIST set (../_base_/fmnist_composed_det.py). Every width (backbone, FPN, RPN, RoI head)
# is read from the student checkpoint, so any exported ResNet student works:
#
#   python tools/train.py configs/transfer/mmdet/faster-rcnn_r18-w16_fpn_1xb8-600iter_fmnist-composed.py \
#       --cfg-options student_checkpoint=work_dirs/demo/student.pth
_base_ = ['mmdet::_base_/models/faster-rcnn_r50_fpn.py', '../_base_/fmnist_composed_det.py']

model = dict(
    data_preprocessor=dict(mean=[72.94] * 3, std=[90.02] * 3, bgr_to_rgb=False),
    backbone=dict(
        depth=18,
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'),
    ),  # checkpoint: student_checkpoint
    rpn_head=dict(anchor_generator=dict(scales=[4], ratios=[0.5, 1.0, 2.0], strides=[4, 8, 16, 32, 64])),
    roi_head=dict(bbox_head=dict(num_classes=10)),  # the Fashion-MNIST classes
)
