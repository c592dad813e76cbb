# The ImageNet KD schedule: 100 epochs, SGD 0.1 (batch 256), x0.1 at 30/60/90, wd 1e-4
# (milestone_ratios: 0.3 / 0.6 / 0.9 of train_cfg.max_epochs, the one knob).
_base_ = ['./_sgd_epochs.py']  # SGD (momentum 0.9) and the loops
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestone_ratios=[0.3, 0.6, 0.9], gamma=0.1)
train_cfg = dict(max_epochs=100)
auto_scale_lr = dict(base_batch_size=256)
