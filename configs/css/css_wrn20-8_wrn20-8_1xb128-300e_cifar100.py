# CSS, CIFAR-100, Table 1 "WRN20-8": two bottleneck [2, 2, 2] CIFAR ResNets with width_per_group 512
# (the code's wide_resnet20_8), 2x3 branches.
_base_ = ['./css_resnet56_resnet56_1xb128-300e_cifar100.py']

model = dict(
    peers=[dict(type='CSSNetwork', backbone=dict(type='CIFARResNet', arch='wrn20_8_bottleneck'), num_classes=100), None]
)
