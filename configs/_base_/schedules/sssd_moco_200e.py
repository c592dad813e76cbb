# SSSD stage 1 (MoCo v2): the paper gives no optimiser settings, so these are MoCo v2's reference
# defaults: SGD lr 0.03 for batch 256, momentum 0.9, weight decay 1e-4,
# cosine decay over the whole run (T_max follows train_cfg.max_epochs), 200 epochs.
# No validation: the stage is scored afterwards with tools/linear_probe.py / kmeans_pseudo_labels.py.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.03, momentum=0.9, weight_decay=1e-4),
    constructor='DistillOptimWrapperConstructor',  # leaves the frozen momentum encoder out
)
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, eta_min=0.0, convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=200)
val_cfg = None  # configs also set val_dataloader = val_evaluator = None
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256)
custom_hooks = [dict(type='MoCoMomentumHook', end_momentum=1.0)]  # cosine 0.999 -> 1 over training
