# CSS, CIFAR-100, Table 1 "PyramidNet (a84, d110)": two basic-block PyramidNet-110, alpha 84 (3.86M parameters
# each as a plain classifier, the PyramidNet paper's 3.8M), 2x3 branches, each a copy of the third stage.
_base_ = ['./css_resnet56_resnet56_1xb128-300e_cifar100.py']

model = dict(
    peers=[
        dict(
            type='CSSNetwork',
            backbone=dict(type='CIFARPyramidNet', depth=110, alpha=84, block='basic'),
            num_classes=100,
        ),
        None,  # a second, independently initialised peers[0]
    ]
)
