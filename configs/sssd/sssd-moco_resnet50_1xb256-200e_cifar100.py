# SSSD stage 1 on CIFAR-100 with M_ssl = ResNet-50 (CIFAR stem), 200 epochs.
_base_ = ['./sssd-moco_resnet18_1xb256-200e_cifar100.py']
model = dict(backbone=dict(depth=50))
