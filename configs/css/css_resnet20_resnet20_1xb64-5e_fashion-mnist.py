# CSS on Fashion-MNIST (the dataset on this machine): two CIFAR ResNet-20, 2x3 branches, 5 CPU-sized epochs.
# A smoke-test-sized example of the method, not a paper setting.
_base_ = [
    '../_base_/methods/css.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
]

model = dict(peers=[dict(type='CSSNetwork', backbone=dict(type='CIFARResNet', arch='resnet20'), num_classes=10), None])

val_evaluator = [dict(type='Accuracy', topk=(1,)), dict(type='CSSMetric')]
test_evaluator = val_evaluator
