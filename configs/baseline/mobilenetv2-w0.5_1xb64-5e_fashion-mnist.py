# mmpretrain's ImageNet-style MobileNetV2 at width 0.5 (3x3 stride-2 stem, layer1..layer7, 1x1 conv2 to 1280)
# trained alone on Fashion-MNIST (32x32, 10 classes from the dataset base). Not the CIFAR zoo's
# CIFARMobileNetV2: this one is a student that transfers to mmdet / mmseg through the `mmpretrain.` scope
# (configs/transfer/mmdet/faster-rcnn_mobilenetv2-w0.5_fpn_1xb8-600iter_fmnist-composed.py and
# configs/transfer/mmseg/deeplabv3_mobilenetv2-w0.5_1xb8-600iter_fmnist-composed.py; docs/transfer.md).
_base_ = [
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(type='MobileNetV2', widen_factor=0.5),  # out_indices=(7, ): conv2, 1280 channels below 1.0
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=1280, loss=dict(type='CrossEntropyLoss')),
)
