# SSSD stage 3 (./sssd.py) with the paper's M_sd, whatever M_ssl is: a ResNet-18 (mmpretrain's ImageNet form;
# a CIFAR config sets backbone type ResNet_CIFAR), global average pooling and a linear head on its 512-d
# features. A config sets the head's num_classes to its num_clusters.
_base_ = ['./sssd.py']

model = dict(
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', in_channels=512, loss=dict(type='CrossEntropyLoss')),
    )
)
