# DeepLabV3 with an mmpretrain MobileNetV2 student (width 0.5, configs/baseline/mobilenetv2-w0.5_fashion-mnist.py)
# on the composed Fashion-MNIST segmentation set (../_base_/fmnist_composed_seg.py). mmseg builds the backbone
# from mmpretrain through the `mmpretrain.` scope, so the exported tensors load as they are.
# mmpretrain's MobileNetV2 has no dilation option (mmseg's own MobileNetV2 has): the ASPP head sits on layer7 at
# output stride 32 (a 4x4 map for a 128x128 canvas), the auxiliary FCN head on layer5 (stride 16). The widen
# factor and the head widths (a quarter of their input, as the ResNet configs) are read from the student:
#
#   python tools/make_composed_fmnist.py --task seg --out work_dirs/demo/fmnist_seg
#   python tools/train.py configs/transfer/mmseg/deeplabv3_mobilenetv2-w0.5_fmnist-composed.py \
#       --cfg-options student_checkpoint=work_dirs/demo/mobilenetv2-w0.5_student.pth
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py', '../_base_/fmnist_composed_seg.py']
student_checkpoint = 'work_dirs/demo/mobilenetv2-w0.5_student.pth'  # a tools/export_student.py output

norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    data_preprocessor=dict(mean=[72.94] * 3, std=[90.02] * 3, bgr_to_rgb=False, size=(128, 128)),  # the canvases
    backbone=dict(
        _delete_=True,
        type='mmpretrain.MobileNetV2',
        widen_factor=0.5,  # replaced by the student's
        out_indices=(4, 6),  # layer5 (stride 16), layer7 (stride 32)
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'),
    ),  # checkpoint: student_checkpoint
    # ASPP rates for the 4x4 map of a 128x128 canvas at output stride 32
    decode_head=dict(in_index=1, dilations=(1, 2, 3, 4), num_classes={{_base_.num_classes}}, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_index=0, num_classes={{_base_.num_classes}}, norm_cfg=norm_cfg),
)
