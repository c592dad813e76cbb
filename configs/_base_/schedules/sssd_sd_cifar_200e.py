# SSSD stage 3 on CIFAR: the paper gives no schedule; this is the widely used public BYOT
# re-implementation's: 200 epochs, SGD 0.1 (batch 128), momentum 0.9, wd 5e-4, x0.1 at 100 / 150
# (0.5 / 0.75 of train_cfg.max_epochs), validation every 5 epochs.
_base_ = ['./_sgd_epochs.py']  # SGD (momentum 0.9) and the loops
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=5e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestone_ratios=[0.5, 0.75], gamma=0.1)
train_cfg = dict(max_epochs=200, val_interval=5)
auto_scale_lr = dict(base_batch_size=128)
