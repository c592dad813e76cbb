# CSS (Channel Self-Supervision for online KD), CIFAR-100, Table 1 "ResNet-56": two peer networks,
# each the bottleneck CIFAR ResNet-56 of OKDDip/CSS (16/32/64 planes x4, [6, 6, 6] blocks) split into
# a shared trunk (stem, stages 1-2) and 3 masked branches (copies of stage 3) with 300-way joint heads
# (mask_layout 'code_corners': 4x4 corner blocks of the 16x16 trunk output).
_base_ = ['../_base_/methods/css.py', '../_base_/datasets/cifar100.py', '../_base_/schedules/css_cifar_300e.py']

# the authors' code normalises CIFAR-100 with the CIFAR-10 statistics
data_preprocessor = dict(mean=[125.307, 122.961, 113.8575], std=[51.5865, 50.847, 51.255])

model = dict(
    peers=[
        dict(type='CSSNetwork', backbone=dict(type='CIFARResNet', arch='resnet56_bottleneck'), num_classes=100),
        None,
    ]
)

train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=100)
test_dataloader = val_dataloader
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='CSSMetric')]
test_evaluator = val_evaluator
