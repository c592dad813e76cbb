# Deep Mutual Learning, peers resnet32x4 + shufflenetv2 on CIFAR-100 (peer 1 is the student; export with --peer 1).
_base_ = [
    '../_base_/methods/dml.py',
    '../_base_/models/resnet32x4.py',
    '../_base_/models/shufflenetv2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
]

model = dict(peers=[{{_base_.resnet32x4}}, {{_base_.shufflenetv2}}])
# light students train with lr 0.01 (CRD / SSKD / HSSAKD protocol)
optim_wrapper = dict(optimizer=dict(lr=0.01))
