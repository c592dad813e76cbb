# Faster R-CNN ResNet-18 FPN on Pascal VOC 07+12 (trainval -> VOC07 test), initialised from a distilled
# and exported ResNet-18: the HSSAKD transfer protocol (Table VIII of the HSSAKD paper).
#   4 epochs over 07+12 trainval (mmdet's x3 RepeatDataset is dropped: an epoch is one pass), SGD lr 0.001,
#   momentum 0.9, weight decay 1e-4, lr x0.1 after epoch 3; images at "800x1000" = short side 800,
#   long side <= 1000, for train and test. Batch size is not stated: we keep mmdet's 8 GPUs x 2 images.
#
#   python tools/train.py configs/transfer/mmdet/faster-rcnn_r18_fpn_8xb2-4e_voc0712.py \
#       --cfg-options student_checkpoint=work_dirs/export/resnet18_student.pth
#
# Every width (backbone depth / base / stem, FPN, RPN, RoI head) is read from the student checkpoint
# (mmkd/transfer/widths.py), so a student of any depth or width needs no other change.
#
# BN: the detector default, as in the paper's "standard" Faster R-CNN fine-tuning: BN statistics frozen
# (norm_eval=True) and the stem + stage 1 frozen (frozen_stages=1, requires_grad=False). For SyncBN on
# several GPUs: --cfg-options model.backbone.norm_cfg.type=SyncBN model.backbone.norm_eval=False
# ../_base_/student_transfer.py: mmkd's transfer code, the checkpoint load check and a fixed seed.
_base_ = ['mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py', '../_base_/student_transfer.py']
default_scope = 'mmdet'

student_checkpoint = 'work_dirs/export/resnet18_student.pth'  # a tools/export_student.py output

model = dict(
    backbone=dict(
        depth=18,  # BN and frozen stages: mmdet's default (see above)
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'),
    ),  # checkpoint: student_checkpoint
    roi_head=dict(bbox_head=dict(num_classes=20)),
)

data_root = 'data/VOCdevkit/'
img_scale = (1000, 800)  # (long, short): mmdet's VOC default is (1000, 600)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
_voc_trainval = dict(
    type='VOCDataset',
    data_root=data_root,
    filter_cfg=dict(filter_empty_gt=True, min_size=32, bbox_min_size=32),
    pipeline=train_pipeline,
)
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        ignore_keys=['dataset_type'],
        datasets=[
            dict(
                **_voc_trainval,
                ann_file='VOC2007/ImageSets/Main/trainval.txt',
                data_prefix=dict(sub_data_root='VOC2007/'),
            ),
            dict(
                **_voc_trainval,
                ann_file='VOC2012/ImageSets/Main/trainval.txt',
                data_prefix=dict(sub_data_root='VOC2012/'),
            ),
        ],
    ),
)
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

max_epochs = 4
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
param_scheduler = [dict(type='MultiStepLR', begin=0, by_epoch=True, milestone_ratios=[0.75], gamma=0.1)]  # 3 of 4
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=1e-4))
auto_scale_lr = dict(enable=False, base_batch_size=16)
