# Faster R-CNN, FPN, with an mmpretrain ShuffleNetV2 0.5x student
# (configs/baseline/shufflenetv2-w0.5_1xb64-5e_fashion-mnist.py
# or any distiller with that student) on the composed Fashion-MNIST set
# (../_base_/faster-rcnn_mobile-w0.5_fpn_fmnist-composed.py: the detector, the data, the run).
# The FPN takes the three stages (out_indices 0, 1, 2: strides 8, 16, 32; the stem and max-pool already reduce
# by 4), so the pyramid runs P3..P7 (strides 8..128) and the anchors are scale 2 (the same sizes, 16..256, as the
# ResNet configs' scale 4 on P2..P6). The widen factor and every width are read from the student:
#
#   python tools/train.py configs/baseline/shufflenetv2-w0.5_1xb64-5e_fashion-mnist.py --work-dir work_dirs/shv2
#   python tools/export_student.py work_dirs/shv2/epoch_5.pth work_dirs/demo/shufflenetv2-w0.5_student.pth
#   python tools/train.py configs/transfer/mmdet/faster-rcnn_shufflenetv2-w0.5_fpn_1xb8-600iter_fmnist-composed.py \
#       --cfg-options student_checkpoint=work_dirs/demo/shufflenetv2-w0.5_student.pth
_base_ = ['../_base_/faster-rcnn_mobile-w0.5_fpn_fmnist-composed.py']
student_checkpoint = 'work_dirs/demo/shufflenetv2-w0.5_student.pth'  # a tools/export_student.py output

model = dict(
    backbone=dict(type='mmpretrain.ShuffleNetV2', out_indices=(0, 1, 2)),
    rpn_head=dict(anchor_generator=dict(scales=[2], strides=[8, 16, 32, 64, 128])),
    roi_head=dict(bbox_roi_extractor=dict(featmap_strides=[8, 16, 32, 64])),
)
