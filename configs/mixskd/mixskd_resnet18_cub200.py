# MixSKD, CUB-200-2011 (folder layout, 224 px), ResNet-18 from scratch (paper Table 2: 72.15 +- 0.53).
# Same recipe for Dogs / MIT67 / Cars / Aircraft with their num_classes and data_root.
_base_ = [
    '../_base_/datasets/cub_224.py',
    '../_base_/schedules/mixskd_cifar_205e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='MixSKDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=200, in_channels=512, loss=dict(type='CrossEntropyLoss')),
    ),
    mixup_alpha=0.4,
    temperature=3.0,
)

# fine-grained: batch 32, weight decay 1e-4 (otherwise the CIFAR schedule)
optim_wrapper = dict(optimizer=dict(weight_decay=1e-4))
auto_scale_lr = dict(base_batch_size=32)
