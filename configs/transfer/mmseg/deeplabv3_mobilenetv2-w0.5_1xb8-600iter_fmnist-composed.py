# DeepLabV3 with an mmpretrain MobileNetV2 student (width 0.5,
# configs/baseline/mobilenetv2-w0.5_1xb64-5e_fashion-mnist.py)
# on the composed Fashion-MNIST segmentation set (../_base_/deeplabv3_mobile-w0.5_fmnist-composed.py: the
# segmentor, the data, the run). mmpretrain's MobileNetV2 has no dilation option (mmseg's own MobileNetV2 has):
# the ASPP head sits on layer7 at output stride 32 (a 4x4 map for a 128x128 canvas), the auxiliary FCN head on
# layer5 (stride 16). The widen factor and the head widths are read from the student:
#
#   python tools/make_composed_fmnist.py --task seg --out work_dirs/demo/fmnist_seg
#   python tools/train.py configs/transfer/mmseg/deeplabv3_mobilenetv2-w0.5_1xb8-600iter_fmnist-composed.py \
#       --cfg-options student_checkpoint=work_dirs/demo/mobilenetv2-w0.5_student.pth
_base_ = ['../_base_/deeplabv3_mobile-w0.5_fmnist-composed.py']
student_checkpoint = 'work_dirs/demo/mobilenetv2-w0.5_student.pth'  # a tools/export_student.py output

model = dict(
    backbone=dict(type='mmpretrain.MobileNetV2', out_indices=(4, 6))  # layer5 (stride 16), layer7 (stride 32)
)
