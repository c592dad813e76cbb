# CSS, CIFAR-10, Table 3 "ResNet-56": two bottleneck CIFAR ResNet-56, 2x3 branches with 30-way joint heads.
_base_ = [
    '../_base_/datasets/cifar10.py',
    '../_base_/schedules/css_cifar_300e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='CSSDistiller',
    net1=dict(type='CSSNetwork', backbone=dict(type='CIFARResNet', arch='resnet56_bottleneck'), num_classes=10),
    net2=None,  # None: a second, independently initialised net1
    num_networks=2,
    num_branches=3,
    temperature=3.0,
    sample_diversity=True,
    target_diversity=True,
    dynamic_weight=True,
    mask_layout='code_corners',
    mask_fraction=None,
    detach_teacher=False,
    detach_alpha=False,
    eval_mode='net1_agg',
    diversity_space='joint',
)

train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=100)
test_dataloader = val_dataloader
val_evaluator = [dict(type='Accuracy', topk=(1, )), dict(type='CSSMetric')]
test_evaluator = val_evaluator
