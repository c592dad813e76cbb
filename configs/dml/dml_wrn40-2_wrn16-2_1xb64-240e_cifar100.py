# Deep Mutual Learning, peers wrn40-2 + wrn16-2 on CIFAR-100 (peer 1 is the student; export with --peer 1).
_base_ = [
    '../_base_/methods/dml.py',
    '../_base_/models/wrn40-2.py',
    '../_base_/models/wrn16-2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(peers=[{{_base_.wrn40_2}}, {{_base_.wrn16_2}}])
