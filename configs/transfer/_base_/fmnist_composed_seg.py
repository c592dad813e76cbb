# Data, schedule and runtime of the segmentation transfer on the composed Fashion-MNIST set: each object pixel
# labelled with its class + 1, background 0 (mmkd/datasets/composed_segmentation.py; tools/make_composed_fmnist.py
# --task seg writes it). ./fmnist_composed.py: the student and the 600-iteration run. The model config
# ../mmseg/deeplabv3_r18-w16-d8_1xb8-600iter_fmnist-composed.py adds the segmentor; every width follows from
# student_checkpoint.
_base_ = ['mmseg::_base_/default_runtime.py', './fmnist_composed.py']
default_scope = 'mmseg'
custom_imports = dict(imports=['mmkd.transfer', 'mmkd.datasets.composed_segmentation'])

data_root = 'work_dirs/demo/fmnist_seg/'
num_classes = 11  # background + the 10 Fashion-MNIST classes

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
    dataset=dict(
        type='ComposedSegmentation',
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline,
    ),
)
# the train loader's settings over the val split, in order
val_dataloader = dict(
    train_dataloader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_dataloader['dataset'],
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, by_epoch=False)]  # ends with max_iters
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval={{_base_.max_iters}}, max_keep_ckpts=1),
)
log_processor = dict(by_epoch=False)
