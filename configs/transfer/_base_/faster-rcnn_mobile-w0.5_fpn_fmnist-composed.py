# Faster R-CNN, FPN, with an mmpretrain width-0.5 student (MobileNetV2 or ShuffleNetV2) on the composed
# Fashion-MNIST set (./fmnist_composed_det.py). mmdet builds the backbone from mmpretrain through the
# `mmpretrain.` scope, so the exported tensors load as they are. The configs beside
# ../mmdet/faster-rcnn_{mobilenetv2,shufflenetv2}-w0.5_fpn_1xb8-600iter_fmnist-composed.py name the backbone (type,
# out_indices)
# and the student_checkpoint; the widen factor and every width (FPN inputs and width, RPN, RoI head) are read
# from the student.
_base_ = ['mmdet::_base_/models/faster-rcnn_r50_fpn.py', './fmnist_composed_det.py']

model = dict(
    data_preprocessor=dict(mean=[72.94] * 3, std=[90.02] * 3, bgr_to_rgb=False),
    backbone=dict(
        _delete_=True,
        type=None,  # the config names the mmpretrain backbone
        widen_factor=0.5,  # replaced by the student's
        out_indices=None,  # the config's: the stages the FPN takes
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'),
    ),  # checkpoint: student_checkpoint
    rpn_head=dict(anchor_generator=dict(scales=[4], ratios=[0.5, 1.0, 2.0], strides=[4, 8, 16, 32, 64])),
    roi_head=dict(bbox_head=dict(num_classes=10)),  # the Fashion-MNIST classes
)
