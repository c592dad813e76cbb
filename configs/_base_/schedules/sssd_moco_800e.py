# SSSD stage 1 (MoCo v2), the paper's longer 800-epoch setting; otherwise as sssd_moco_200e.py.
_base_ = ['./sssd_moco_200e.py']
train_cfg = dict(max_epochs=800)
