# mobilenetv2 trained alone on CIFAR-100 (the 'Student'/'Teacher' rows of the KD tables).
_base_ = [
    '../_base_/models/mobilenetv2.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.mobilenetv2}}
# light students train with lr 0.01 (CRD / SSKD / HSSAKD protocol)
optim_wrapper = dict(optimizer=dict(lr=0.01))
