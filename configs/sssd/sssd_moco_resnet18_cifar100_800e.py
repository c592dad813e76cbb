# SSSD stage 1 on CIFAR-100, ResNet-18, the paper's 800-epoch setting.
_base_ = ['./sssd_moco_resnet18_cifar100.py']
param_scheduler = dict(T_max=800)
train_cfg = dict(max_epochs=800)
