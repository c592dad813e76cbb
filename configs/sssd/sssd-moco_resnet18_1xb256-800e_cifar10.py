# SSSD stage 1 on CIFAR-10, ResNet-18, the paper's 800-epoch setting (the cosine follows max_epochs).
_base_ = ['./sssd-moco_resnet18_1xb256-200e_cifar10.py']
train_cfg = dict(max_epochs=800)
