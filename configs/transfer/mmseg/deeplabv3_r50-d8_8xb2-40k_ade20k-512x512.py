# DeepLabV3 ResNet-50 (output stride 8) on ADE20K (150 classes, train -> val), initialised from a distilled,
# exported ResNet-50: the MixSKD transfer protocol, exactly as in ./deeplabv3_r50-d8_8xb2-40k_voc12aug-512x512.py
# (512x512 crops, 40k iterations, SGD lr 0.02 momentum 0.9 wd 1e-4, batch 8 GPUs x 2, poly 0.9, aux head 0.4,
# plain-stem ResNet, single-scale test at the original size, SyncBN reverted to BN on a single process).
#
#   bash tools/dist_train.sh configs/transfer/mmseg/deeplabv3_r50-d8_8xb2-40k_ade20k-512x512.py 8 \
#       --cfg-options student_checkpoint=work_dirs/export/resnet50_student.pth
#
# Every width (backbone depth / base / stem, decode and auxiliary heads) is read from the student
# checkpoint (mmkd/transfer/widths.py), so a student of any depth or width needs no other change.
# ../_base_/student_transfer.py: mmkd's transfer code, the checkpoint load check and a fixed seed.
_base_ = ['mmseg::deeplabv3/deeplabv3_r50-d8_4xb4-80k_ade20k-512x512.py', '../_base_/student_transfer.py']
default_scope = 'mmseg'

student_checkpoint = 'work_dirs/export/resnet50_student.pth'  # a tools/export_student.py output

# mmseg's DeepLabV3 R-50-D8 with the plain-stem ResNet instead of its deep-stem ResNetV1c; mmseg's settings stay:
# output stride 8 (strides (1, 2, 1, 1), dilations (1, 1, 2, 4), contract_dilation), trainable SyncBN
# (norm_cfg, norm_eval=False) in the backbone and both heads, the auxiliary FCN head weighted 0.4, 150 classes.
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
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(batch_size=2)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, by_epoch=False)]  # ends with max_iters
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000, val_interval=4000)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4000))
auto_scale_lr = dict(enable=False, base_batch_size=16)
