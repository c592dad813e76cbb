# DeepLabV3 ResNet-18 on Pascal VOC 2012 aug with a distilled, exported ResNet-18: the MixSKD protocol of
# ./deeplabv3_r50-d8_8xb2-40k_voc12aug-512x512.py; the head widths follow from the
# student (mmseg's deeplabv3_r18-d8 widths for a standard ResNet-18).
#
#   python tools/train.py configs/transfer/mmseg/deeplabv3_r18-d8_8xb2-40k_voc12aug-512x512.py \
#       --cfg-options student_checkpoint=work_dirs/export/resnet18_student.pth
_base_ = ['./deeplabv3_r50-d8_8xb2-40k_voc12aug-512x512.py']

student_checkpoint = 'work_dirs/export/resnet18_student.pth'
model = dict(backbone=dict(depth=18))  # used when the checkpoint is absent; else read from it
