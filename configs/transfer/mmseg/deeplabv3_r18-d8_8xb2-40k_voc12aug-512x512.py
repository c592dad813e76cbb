# DeepLabV3 ResNet-18 on Pascal VOC 2012 aug with a distilled, exported ResNet-18: the MixSKD protocol of
# ./deeplabv3_r50-d8_8xb2-40k_voc12aug-512x512.py; head widths as mmseg's deeplabv3_r18-d8 configs.
#
#   python tools/train.py configs/transfer/mmseg/deeplabv3_r18-d8_8xb2-40k_voc12aug-512x512.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/export/resnet18_student.pth
_base_ = ['./deeplabv3_r50-d8_8xb2-40k_voc12aug-512x512.py']

model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(type='Pretrained', checkpoint='work_dirs/export/resnet18_student.pth', prefix='backbone.')),
    decode_head=dict(in_channels=512, channels=128),
    auxiliary_head=dict(in_channels=256, channels=64))
