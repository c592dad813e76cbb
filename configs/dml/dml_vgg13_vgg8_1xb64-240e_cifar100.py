# Deep Mutual Learning, peers vgg13 + vgg8 on CIFAR-100 (peer 1 is the student; export with --peer 1).
_base_ = [
    '../_base_/methods/dml.py',
    '../_base_/models/vgg13.py',
    '../_base_/models/vgg8.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(peers=[{{_base_.vgg13}}, {{_base_.vgg8}}])
