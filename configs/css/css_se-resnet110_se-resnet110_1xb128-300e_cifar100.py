# CSS, CIFAR-100, Table 1 "SE-ResNet-110": two SE-ResNet-110 (basic blocks [18, 18, 18], SE reduction 16, 1.75M
# parameters each as a plain classifier), 2x3 branches. The paper does not say which block it uses; the SENet
# paper's CIFAR SE-ResNet-110 is the basic one (block='bottleneck' gives a [12, 12, 12] bottleneck network).
_base_ = ['./css_resnet56_resnet56_1xb128-300e_cifar100.py']

model = dict(
    peers=[
        dict(
            type='CSSNetwork',
            backbone=dict(type='CIFARSEResNet', depth=110, block='basic', reduction=16),
            num_classes=100,
        ),
        None,
    ]
)
