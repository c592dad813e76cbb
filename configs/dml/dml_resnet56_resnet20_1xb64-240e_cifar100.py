# Deep Mutual Learning, peers resnet56 + resnet20 on CIFAR-100 (peer 1 is the student; export with --peer 1).
_base_ = [
    '../_base_/methods/dml.py',
    '../_base_/models/resnet56.py',
    '../_base_/models/resnet20.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(peers=[{{_base_.resnet56}}, {{_base_.resnet20}}])
