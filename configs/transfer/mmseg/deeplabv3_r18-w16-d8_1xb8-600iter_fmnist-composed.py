# DeepLabV3 (output stride 8) with the distilled ResNet-18 (width 1/4) student on the *composed* Fashion-MNIST
# segmentation set (../_base_/fmnist_composed_seg.py): Fashion-MNIST test objects pasted on 128x128 canvases,
# each object pixel labelled with its class + 1, background 0. Its mIoU only shows that the transfer path works
# end to end. Every width (backbone, decode and auxiliary heads) is read from the student checkpoint, so any
# exported ResNet student works:
#
#   python tools/make_composed_fmnist.py --task seg --out work_dirs/demo/fmnist_seg
#   python tools/train.py configs/transfer/mmseg/deeplabv3_r18-w16-d8_1xb8-600iter_fmnist-composed.py \
#       --cfg-options student_checkpoint=work_dirs/demo/student.pth
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py', '../_base_/fmnist_composed_seg.py']

norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    data_preprocessor=dict(mean=[72.94] * 3, std=[90.02] * 3, bgr_to_rgb=False, size=(128, 128)),  # the canvases
    # plain 7x7 stem, as the exported mmpretrain ResNet; mmseg's output stride 8 (strides, dilations) stays
    backbone=dict(
        type='ResNet',
        depth=18,
        deep_stem=False,
        avg_down=False,
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'),
    ),  # checkpoint: student_checkpoint
    # ASPP rates scaled to the 16x16 feature map of a 128x128 canvas (mmseg's 12/24/36 are for 64x64)
    decode_head=dict(dilations=(1, 2, 4, 6), num_classes={{_base_.num_classes}}, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes={{_base_.num_classes}}, norm_cfg=norm_cfg),
)
