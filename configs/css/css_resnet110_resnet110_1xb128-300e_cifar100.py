# CSS, CIFAR-100, Table 1 "ResNet-110": two bottleneck CIFAR ResNet-110 ([12, 12, 12] blocks), 2x3 branches.
_base_ = ['./css_resnet56_resnet56_1xb128-300e_cifar100.py']

model = dict(
    peers=[
        dict(type='CSSNetwork', backbone=dict(type='CIFARResNet', arch='resnet110_bottleneck'), num_classes=100),
        None,
    ]
)
