# CSS on Fashion-MNIST (the dataset on this machine): two CIFAR ResNet-20, 2x3 branches, 5 CPU-sized epochs.
# A smoke-test-sized example of the method, not a paper setting.
_base_ = [
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='CSSDistiller',
    net1=dict(type='CSSNetwork', backbone=dict(type='CIFARResNet', arch='resnet20'), num_classes=10),
    net2=None,
    num_networks=2,
    num_branches=3,
    temperature=3.0,
    eval_mode='net1_agg',
)

val_evaluator = [dict(type='Accuracy', topk=(1, )), dict(type='CSSMetric')]
test_evaluator = val_evaluator
