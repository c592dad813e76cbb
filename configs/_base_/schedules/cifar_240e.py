# The CIFAR-100 KD benchmark schedule (CRD / SSKD / HSSAKD): 240 epochs, SGD 0.05, x0.1 at 150/180/210
# (milestone_ratios: 0.625 / 0.75 / 0.875 of train_cfg.max_epochs, the one knob).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True),
    constructor='DistillOptimWrapperConstructor',
)
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestone_ratios=[0.625, 0.75, 0.875], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=240, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
