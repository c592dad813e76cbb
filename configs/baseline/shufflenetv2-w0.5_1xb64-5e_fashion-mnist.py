# mmpretrain's ImageNet-style ShuffleNetV2 0.5x (3x3 stride-2 stem + max-pool, 3 stages, 1x1 conv to 1024)
# trained alone on Fashion-MNIST (32x32, 10 classes from the dataset base). Not the CIFAR zoo's
# CIFARShuffleNetV2: this one is a student that transfers to mmdet / mmseg through the `mmpretrain.` scope
# (configs/transfer/mmdet/faster-rcnn_shufflenetv2-w0.5_fpn_1xb8-600iter_fmnist-composed.py and
# configs/transfer/mmseg/deeplabv3_shufflenetv2-w0.5_1xb8-600iter_fmnist-composed.py; docs/transfer.md).
_base_ = [
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(type='ShuffleNetV2', widen_factor=0.5),  # out_indices=(3, ): the final 1x1 conv, 1024 channels
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=1024, loss=dict(type='CrossEntropyLoss')),
)
