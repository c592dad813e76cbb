# Faster R-CNN ResNet-50 FPN on Pascal VOC 07+12 with a distilled, exported ResNet-50: the HSSAKD VOC
# protocol of ./faster-rcnn_r18_fpn_8xb2-4e_voc0712.py (4 epochs, lr 0.001, x0.1 after epoch 3, 800x1000).
#
#   python tools/train.py configs/transfer/mmdet/faster-rcnn_r50_fpn_8xb2-4e_voc0712.py \
#       --cfg-options student_checkpoint=work_dirs/export/resnet50_student.pth
_base_ = ['./faster-rcnn_r18_fpn_8xb2-4e_voc0712.py']

student_checkpoint = 'work_dirs/export/resnet50_student.pth'

model = dict(backbone=dict(depth=50))  # used when the checkpoint is absent; else read from it
