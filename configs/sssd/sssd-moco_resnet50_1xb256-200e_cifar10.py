# SSSD stage 1 on CIFAR-10 with M_ssl = ResNet-50 (CIFAR stem), 200 epochs; else as the ResNet-18 config.
_base_ = ['./sssd-moco_resnet18_1xb256-200e_cifar10.py']
model = dict(backbone=dict(depth=50))
