# Cascade R-CNN ResNet-50 FPN 1x on COCO 2017 with a distilled, exported ResNet-50: the MixSKD transfer
# protocol (Table 3 of the MixSKD paper, appendix B.2): mmdet's standard Cascade R-CNN R-50-FPN 1x, 12 epochs,
# SGD lr 0.02, momentum 0.9, weight decay 1e-4, linear warm-up over 500 iterations (from 0.001 x lr, mmdet's
# LinearLR cannot start at exactly 0), lr x0.1 after epochs 8 and 11, 1333x800 images,
# 8 GPUs x 1 image (total batch 8) as the paper states. The 8 GPUs x 2 images variant (mmdet's own default
# for lr 0.02) is ./cascade-rcnn_r50_fpn_8xb2-1x_coco.py.
#
#   bash tools/dist_train.sh configs/transfer/mmdet/cascade-rcnn_r50_fpn_8xb1-1x_coco.py 8 \
#       --cfg-options student_checkpoint=work_dirs/export/resnet50_student.pth
#
# Every width (backbone depth / base / stem, FPN, RPN, all three box-head stages) is read from the student
# checkpoint (mmkd/transfer/widths.py), so a student of any depth or width needs no other change.
#
# BN: frozen statistics (norm_eval=True) and frozen stem + stage 1 (frozen_stages=1), mmdet's default.
# For SyncBN: --cfg-options model.backbone.norm_cfg.type=SyncBN model.backbone.norm_eval=False
# ../_base_/student_transfer.py: mmkd's transfer code, the checkpoint load check and a fixed seed.
_base_ = ['mmdet::cascade_rcnn/cascade-rcnn_r50_fpn_1x_coco.py', '../_base_/student_transfer.py']
default_scope = 'mmdet'

student_checkpoint = 'work_dirs/export/resnet50_student.pth'  # a tools/export_student.py output

model = dict(
    backbone=dict(
        depth=50,  # BN and frozen stages: mmdet's default (see above)
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'),
    )
)  # checkpoint: student_checkpoint

train_dataloader = dict(batch_size=1)

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, by_epoch=True, milestone_ratios=[0.667, 0.917], gamma=0.1),  # 8, 11 of 12
]
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
auto_scale_lr = dict(enable=False, base_batch_size=8)
