# The fine-grained schedule of the CSS ResNet-50 rows (configs/css/css_resnet50_resnet50_{cub200,stanford-cars,
# stanford-dogs}.py) and of their baselines: the CSS schedule (./css_cifar_300e.py: SGD 0.1, momentum 0.9, 5-epoch
# warm-up stepped per epoch) at 205 epochs, x0.1 at 105 / 155, weight decay 1e-4, batch 32 (MixSKD's fine-grained
# recipe; the CSS paper's own sits in its missing supplementary material, see docs/methods/css.md). The milestones
# are explicit epochs here: a config that changes train_cfg.max_epochs sets them too.
_base_ = ['./css_cifar_300e.py']
optim_wrapper = dict(optimizer=dict(weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, end_factor=1.0, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', by_epoch=True, milestones=[105, 155], gamma=0.1),
]
train_cfg = dict(max_epochs=205)
auto_scale_lr = dict(base_batch_size=32)
