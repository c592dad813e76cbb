# SSSD stage 1 on ImageNet-1k, ResNet-50, the paper's 800-epoch setting (the cosine follows max_epochs).
_base_ = ['./sssd-moco_resnet50_8xb32-200e_in1k.py']
train_cfg = dict(max_epochs=800)
