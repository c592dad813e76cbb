# MixSKD CIFAR-100 / fine-grained schedule (paper appendix B.1; authors' code for the warm-up shape):
# SGD 0.1 (128 originals per step, each forwarded with its mixup image), momentum 0.9, Nesterov (code),
# wd 5e-4; linear warm-up over the first 5 epochs stepped per iteration, then x0.1 after epochs 105
# and 155 (the code's milestones [100, 150] counted after the warm-up: 0.5 / 0.75 of the 200 epochs after
# it, so they follow train_cfg.max_epochs); 205 epochs.
_base_ = ['./_sgd_epochs.py']  # SGD (momentum 0.9) and the loops
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    # the code warms up from lr/(5 * iters_per_epoch); LinearLR cannot start at exactly 0
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, begin=5, milestone_ratios=[0.5, 0.75], gamma=0.1),
]
train_cfg = dict(max_epochs=205)
auto_scale_lr = dict(base_batch_size=128)
