# The CIFAR-100 KD benchmark schedule (CRD / SSKD / HSSAKD): 240 epochs, SGD 0.05, x0.1 at 150/180/210
# (milestone_ratios: 0.625 / 0.75 / 0.875 of train_cfg.max_epochs, the one knob).
_base_ = ['./_sgd_epochs.py']  # SGD (momentum 0.9) and the loops
optim_wrapper = dict(optimizer=dict(lr=0.05, weight_decay=5e-4, nesterov=True))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestone_ratios=[0.625, 0.75, 0.875], gamma=0.1)
train_cfg = dict(max_epochs=240)
auto_scale_lr = dict(base_batch_size=64)
