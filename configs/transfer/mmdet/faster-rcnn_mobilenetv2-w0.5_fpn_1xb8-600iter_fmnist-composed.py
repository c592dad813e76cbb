# Faster R-CNN, FPN, with an mmpretrain MobileNetV2 student (width 0.5;
# configs/baseline/mobilenetv2-w0.5_1xb64-5e_fashion-mnist.py, or any distiller with that student) on the composed
# Fashion-MNIST set (../_base_/faster-rcnn_mobile-w0.5_fpn_fmnist-composed.py: the detector, the data, the run).
# The FPN takes layer2, layer3, layer5 and layer7 (out_indices 1, 2, 4, 6: strides 4, 8, 16, 32, as a ResNet's
# stages). The widen factor and every width (FPN inputs and width, RPN, RoI head) are read from the student:
#
#   python tools/train.py configs/baseline/mobilenetv2-w0.5_1xb64-5e_fashion-mnist.py --work-dir work_dirs/mbv2
#   python tools/export_student.py work_dirs/mbv2/epoch_5.pth work_dirs/demo/mobilenetv2-w0.5_student.pth
#   python tools/train.py configs/transfer/mmdet/faster-rcnn_mobilenetv2-w0.5_fpn_1xb8-600iter_fmnist-composed.py \
#       --cfg-options student_checkpoint=work_dirs/demo/mobilenetv2-w0.5_student.pth
_base_ = ['../_base_/faster-rcnn_mobile-w0.5_fpn_fmnist-composed.py']
student_checkpoint = 'work_dirs/demo/mobilenetv2-w0.5_student.pth'  # a tools/export_student.py output

model = dict(backbone=dict(type='mmpretrain.MobileNetV2', out_indices=(1, 2, 4, 6)))
