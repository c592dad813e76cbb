# SSSD stage 1 on ImageNet-1k with M_ssl = ResNet-50, 200 epochs (the setting of Tables 2-5).
_base_ = ['./sssd_moco_resnet18_imagenet.py']
model = dict(backbone=dict(depth=50))
