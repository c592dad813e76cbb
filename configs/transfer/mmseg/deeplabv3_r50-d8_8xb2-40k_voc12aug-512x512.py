# DeepLabV3 ResNet-50 (output stride 8) on Pascal VOC 2012 + SBD aug (train_aug -> val), initialised from a
# distilled, exported ResNet-50: the MixSKD transfer protocol (Table 3 of the MixSKD paper, appendix B.3,
# trained there with the CIRKD code). 512x512 crops, 40k iterations, SGD lr 0.02, momentum 0.9, batch 16
# (8 GPUs x 2), poly decay lr0 * (1 - iter/40k)^0.9 down to 0, single-scale test at the original image size.
# Where the paper is silent we take CIRKD's defaults: weight decay 1e-4, auxiliary FCN head on stage 3
# with weight 0.4, dilations (1, 1, 2, 4). Head widths and the train augmentation are mmseg's DeepLabV3.
#
# The backbone is mmseg's plain-stem ResNet (one 7x7 conv; CIRKD's 'resnet50_original'), not the deep-stem
# ResNetV1c of mmseg's own configs, so an exported mmpretrain ResNet loads with no missing stem keys.
#
#   bash tools/dist_train.sh configs/transfer/mmseg/deeplabv3_r50-d8_8xb2-40k_voc12aug-512x512.py 8 \
#       --cfg-options student_checkpoint=work_dirs/export/resnet50_student.pth
#
# Every width (backbone depth / base / stem, decode and auxiliary heads) is read from the student
# checkpoint (mmkd/transfer/widths.py), so a student of any depth or width needs no other change.
#
# BN: trainable SyncBN across GPUs, as CIRKD trains; a single-process run (launcher none) reverts it to
# plain BN automatically. Frozen-BN variant: --cfg-options model.backbone.norm_eval=True
# ../_base_/student_transfer.py: mmkd's transfer code, the checkpoint load check and a fixed seed.
_base_ = ['mmseg::deeplabv3/deeplabv3_r50-d8_4xb4-40k_voc12aug-512x512.py', '../_base_/student_transfer.py']
default_scope = 'mmseg'

student_checkpoint = 'work_dirs/export/resnet50_student.pth'  # a tools/export_student.py output

# mmseg's DeepLabV3 R-50-D8 with the plain-stem ResNet instead of its deep-stem ResNetV1c; mmseg's settings stay:
# output stride 8 (strides (1, 2, 1, 1), dilations (1, 1, 2, 4), contract_dilation), trainable SyncBN
# (norm_cfg, norm_eval=False) in the backbone and both heads, the auxiliary FCN head weighted 0.4, 21 classes.
model = dict(
    pretrained=None,
    backbone=dict(
        type='ResNet',
        depth=50,
        deep_stem=False,
        avg_down=False,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'),
    ),
)  # checkpoint: student_checkpoint

test_pipeline = [  # the original image size: no Resize
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(batch_size=2)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, by_epoch=False)]  # ends with max_iters
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000, val_interval=4000)
auto_scale_lr = dict(enable=False, base_batch_size=16)
