# CSS, CIFAR-100, Table 1 "ResNeXt-29 (2x64d)": two CIFAR ResNeXt-29 2x64d (9.2M parameters each as a plain
# classifier), 2x3 branches, each a copy of the third stage (3 bottlenecks, 1024 channels).
_base_ = ['./css_resnet56_resnet56_1xb128-300e_cifar100.py']

model = dict(
    peers=[
        dict(
            type='CSSNetwork',
            backbone=dict(type='CIFARResNeXt', depth=29, cardinality=2, base_width=64),
            num_classes=100,
        ),
        None,
    ]
)
