# CIFAR-10 for SSSD: the standard CIFAR-10 base with the paper's batch size of 128.
_base_ = ['./cifar10.py']

train_dataloader = dict(batch_size=128)
