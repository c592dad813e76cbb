# CSS, CIFAR-100, Table 4 heterogeneous pair: net1 = bottleneck ResNet-110, net2 = PyramidNet-110 (alpha 84, basic).
# Branch j of one network distils into branch j of the other over the 300-way joint softmax.
_base_ = ['./css_resnet56_resnet56_1xb128-300e_cifar100.py']

model = dict(
    net1=dict(backbone=dict(arch='resnet110_bottleneck')),
    net2=dict(  # _delete_: the base's net2 is None
        _delete_=True,
        type='CSSNetwork',
        backbone=dict(type='CIFARPyramidNet', depth=110, alpha=84, block='basic'),
        num_classes=100,
    ),
)
