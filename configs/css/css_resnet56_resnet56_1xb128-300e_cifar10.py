# CSS, CIFAR-10, Table 3 "ResNet-56": two bottleneck CIFAR ResNet-56, 2x3 branches with 30-way joint heads.
_base_ = ['../_base_/methods/css.py', '../_base_/datasets/cifar10.py', '../_base_/schedules/css_cifar_300e.py']

model = dict(
    peers=[dict(type='CSSNetwork', backbone=dict(type='CIFARResNet', arch='resnet56_bottleneck'), num_classes=10), None]
)

train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=100)
test_dataloader = val_dataloader
val_evaluator = [dict(type='Accuracy', topk=(1,)), dict(type='CSSMetric')]
test_evaluator = val_evaluator
