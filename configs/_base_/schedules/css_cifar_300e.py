# The CSS CIFAR schedule (authors' train.py): 300 epochs, SGD 0.1 (momentum 0.9, no Nesterov),
# weight decay 5e-4, batch 128 (set train_dataloader.batch_size=128 in the config), linear warm-up
# lr = 0.1 * e / 5 for epochs e = 1..5 updated once per epoch, then x0.1 at epochs 150 and 225
# (milestone_ratios 0.5 / 0.75 of train_cfg.max_epochs; the 5-epoch warm-up stays 5 epochs).
_base_ = ['./_sgd_epochs.py']  # SGD (momentum 0.9) and the loops
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=5e-4))
param_scheduler = [
    # mmengine's LinearLR steps over [begin, end): factors 0.2, 0.4, 0.6, 0.8, 1.0 in epochs 0-4
    dict(type='LinearLR', start_factor=0.2, end_factor=1.0, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', by_epoch=True, milestone_ratios=[0.5, 0.75], gamma=0.1),
]
train_cfg = dict(max_epochs=300)
auto_scale_lr = dict(base_batch_size=128)
