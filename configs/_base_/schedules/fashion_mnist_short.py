# A short schedule for Fashion-MNIST runs on a CPU: a few epochs, SGD + cosine over the whole run
# (the cosine's end, hence T_max, follows train_cfg.max_epochs).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True),
    constructor='DistillOptimWrapperConstructor',
)
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, eta_min=0.0)
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1)
val_cfg = dict()
test_cfg = dict()
