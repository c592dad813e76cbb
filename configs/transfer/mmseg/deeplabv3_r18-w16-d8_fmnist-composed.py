# DeepLabV3 (output stride 8) with the distilled ResNet-18 (width 1/4) student on the *composed* Fashion-MNIST
# segmentation set: Fashion-MNIST test objects pasted on 128x128 canvases, each object pixel labelled with its
# class + 1, background 0 (mmkd/datasets/composed_segmentation.py; tools/make_composed_fmnist.py writes it).
# Its mIoU only shows that the transfer path works end to end. Every width (backbone, decode and auxiliary
# heads) is read from the student checkpoint, so any exported ResNet student works:
#
#   python tools/make_composed_fmnist.py --task seg --out work_dirs/demo/fmnist_seg
#   python tools/train.py configs/transfer/mmseg/deeplabv3_r18-w16-d8_fmnist-composed.py \
#       --cfg-options student_checkpoint=work_dirs/demo/student.pth
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py', 'mmseg::_base_/default_runtime.py']
default_scope = 'mmseg'
custom_imports = dict(imports=['mmkd.transfer', 'mmkd.datasets.composed_segmentation'], allow_failed_imports=False)
# Fails before the first step when the checkpoint does not fit the backbone (see mmkd/transfer/checks.py).
custom_hooks = [dict(type='BackboneLoadCheckHook')]
randomness = dict(seed=0, deterministic=False)

student_checkpoint = 'work_dirs/demo/student.pth'  # a tools/export_student.py output
data_root = 'work_dirs/demo/fmnist_seg/'
num_classes = 11  # background + the 10 Fashion-MNIST classes
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    data_preprocessor=dict(mean=[72.94] * 3, std=[90.02] * 3, bgr_to_rgb=False, size=(128, 128)),  # the canvases
    backbone=dict(
        type='ResNet',  # plain 7x7 stem, as the exported mmpretrain ResNet
        depth=18,
        deep_stem=False,
        avg_down=False,
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        contract_dilation=True,
        norm_cfg=norm_cfg,
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.')),  # checkpoint: student_checkpoint
    # ASPP rates scaled to the 16x16 feature map of a 128x128 canvas (mmseg's 12/24/36 are for 64x64)
    decode_head=dict(dilations=(1, 2, 4, 6), num_classes=num_classes, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg, loss_decode=dict(loss_weight=0.4)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ComposedSegmentation', data_root=data_root,
                 data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ComposedSegmentation', data_root=data_root,
                 data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

max_iters = 600
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, by_epoch=False)]  # ends with max_iters
default_hooks = dict(logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
                     checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
