# CSS, CIFAR-100, Table 4 heterogeneous pair: peers[0] = bottleneck ResNet-110, peers[1] = PyramidNet-110
# (alpha 84, basic).
# Branch j of one network distils into branch j of the other over the 300-way joint softmax.
_base_ = ['./css_resnet56_resnet56_1xb128-300e_cifar100.py']

model = dict(
    peers=[
        dict(type='CSSNetwork', backbone=dict(type='CIFARResNet', arch='resnet110_bottleneck'), num_classes=100),
        dict(
            type='CSSNetwork',
            backbone=dict(type='CIFARPyramidNet', depth=110, alpha=84, block='basic'),
            num_classes=100,
        ),
    ]
)
