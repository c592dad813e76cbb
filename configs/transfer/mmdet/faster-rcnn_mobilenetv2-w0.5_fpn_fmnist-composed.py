# Faster R-CNN, FPN, with an mmpretrain MobileNetV2 student (width 0.5;
# configs/baseline/mobilenetv2-w0.5_fashion-mnist.py, or any distiller with that student) on the composed
# Fashion-MNIST set (../_base_/fmnist_composed_det.py). mmdet
# builds the backbone from mmpretrain through the `mmpretrain.` scope, so the exported tensors load as they are.
# The FPN takes layer2, layer3, layer5 and layer7 (out_indices 1, 2, 4, 6: strides 4, 8, 16, 32, as a ResNet's
# stages). The widen factor and every width (FPN inputs and width, RPN, RoI head) are read from the student:
#
#   python tools/train.py configs/baseline/mobilenetv2-w0.5_fashion-mnist.py --work-dir work_dirs/mbv2
#   python tools/export_student.py work_dirs/mbv2/epoch_5.pth work_dirs/demo/mobilenetv2-w0.5_student.pth
#   python tools/train.py configs/transfer/mmdet/faster-rcnn_mobilenetv2-w0.5_fpn_fmnist-composed.py \
#       --cfg-options student_checkpoint=work_dirs/demo/mobilenetv2-w0.5_student.pth
_base_ = ['mmdet::_base_/models/faster-rcnn_r50_fpn.py', '../_base_/fmnist_composed_det.py']
student_checkpoint = 'work_dirs/demo/mobilenetv2-w0.5_student.pth'  # a tools/export_student.py output

model = dict(
    data_preprocessor=dict(mean=[72.94] * 3, std=[90.02] * 3, bgr_to_rgb=False),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.MobileNetV2',
        widen_factor=0.5,  # replaced by the student's
        out_indices=(1, 2, 4, 6),
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'),
    ),  # checkpoint: student_checkpoint
    rpn_head=dict(anchor_generator=dict(scales=[4], ratios=[0.5, 1.0, 2.0], strides=[4, 8, 16, 32, 64])),
    roi_head=dict(bbox_head=dict(num_classes=10)),  # the Fashion-MNIST classes
)
