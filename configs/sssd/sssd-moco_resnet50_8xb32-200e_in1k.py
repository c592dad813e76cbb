# SSSD stage 1 on ImageNet-1k with M_ssl = ResNet-50, 200 epochs (the setting of Tables 2-5).
_base_ = ['./sssd-moco_resnet18_8xb32-200e_in1k.py']
model = dict(backbone=dict(depth=50))
