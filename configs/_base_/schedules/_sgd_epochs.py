# The skeleton that the epoch-based SGD schedules beside this file inherit: SGD with momentum 0.9 through
# DistillOptimWrapperConstructor (it leaves frozen teachers out), validation after every epoch, the default
# val / test loops. A schedule adds the optimizer's lr and weight decay, its param_scheduler,
# train_cfg.max_epochs (the one knob: scheduler ends and milestones follow it) and auto_scale_lr.
optim_wrapper = dict(optimizer=dict(type='SGD', momentum=0.9), constructor='DistillOptimWrapperConstructor')
train_cfg = dict(by_epoch=True, val_interval=1)
val_cfg = dict()
test_cfg = dict()
