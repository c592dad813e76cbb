# SSKD stage 1 (fit the SS head of a frozen, trained teacher; only the head trains), as the official
# code: 60 epochs, SGD 0.05 (plain momentum 0.9, wd 5e-4), x0.1 at 30 and 45, batch 64 images (256 rows).
# The milestones are 0.5 / 0.75 of train_cfg.max_epochs, the one knob.
# The frozen classifier's val accuracy cannot change, so validation only checks it every 10 epochs.
_base_ = ['./_sgd_epochs.py']  # SGD (momentum 0.9) and the loops
optim_wrapper = dict(optimizer=dict(lr=0.05, weight_decay=5e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestone_ratios=[0.5, 0.75], gamma=0.1)
train_cfg = dict(max_epochs=60, val_interval=10)
auto_scale_lr = dict(base_batch_size=64)
