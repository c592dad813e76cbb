# DeepLabV3 with an mmpretrain ShuffleNetV2 0.5x student (configs/baseline/shufflenetv2-w0.5_1xb64-5e_fashion-mnist.py)
# on the composed Fashion-MNIST segmentation set (../_base_/deeplabv3_mobile-w0.5_fmnist-composed.py: the
# segmentor, the data, the run). mmpretrain's ShuffleNetV2 has no dilation option: the ASPP head sits on the last
# stage (layers.2) at output stride 32 (a 4x4 map for a 128x128 canvas), the auxiliary FCN head on layers.1
# (stride 16). The widen factor and the head widths are read from the student:
#
#   python tools/make_composed_fmnist.py --task seg --out work_dirs/demo/fmnist_seg
#   python tools/train.py configs/transfer/mmseg/deeplabv3_shufflenetv2-w0.5_1xb8-600iter_fmnist-composed.py \
#       --cfg-options student_checkpoint=work_dirs/demo/shufflenetv2-w0.5_student.pth
_base_ = ['../_base_/deeplabv3_mobile-w0.5_fmnist-composed.py']
student_checkpoint = 'work_dirs/demo/shufflenetv2-w0.5_student.pth'  # a tools/export_student.py output

model = dict(
    backbone=dict(type='mmpretrain.ShuffleNetV2', out_indices=(1, 2))  # layers.1 (stride 16), layers.2 (stride 32)
)
