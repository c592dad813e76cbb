# DeepLabV3 with an mmpretrain width-0.5 student (MobileNetV2 or ShuffleNetV2) on the composed Fashion-MNIST
# segmentation set (./fmnist_composed_seg.py). mmseg builds the backbone from mmpretrain through the
# `mmpretrain.` scope, so the exported tensors load as they are. Neither backbone has a dilation option (mmseg's
# own MobileNetV2 has): the ASPP head sits on the last output at stride 32 (a 4x4 map for a 128x128 canvas), the
# auxiliary FCN head on the one before (stride 16). The configs beside
# ../mmseg/deeplabv3_{mobilenetv2,shufflenetv2}-w0.5_1xb8-600iter_fmnist-composed.py name the backbone (type,
# out_indices)
# and the student_checkpoint; the widen factor and the head widths (a quarter of their input, as the ResNet
# configs) are read from the student.
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py', './fmnist_composed_seg.py']

norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    data_preprocessor=dict(mean=[72.94] * 3, std=[90.02] * 3, bgr_to_rgb=False, size=(128, 128)),  # the canvases
    backbone=dict(
        _delete_=True,
        type=None,  # the config names the mmpretrain backbone
        widen_factor=0.5,  # replaced by the student's
        out_indices=None,  # the config's: (stride 16, stride 32)
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'),
    ),  # checkpoint: student_checkpoint
    # ASPP rates for the 4x4 map of a 128x128 canvas at output stride 32
    decode_head=dict(in_index=1, dilations=(1, 2, 3, 4), num_classes={{_base_.num_classes}}, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_index=0, num_classes={{_base_.num_classes}}, norm_cfg=norm_cfg),
)
