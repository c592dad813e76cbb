# The short CPU schedule of the demo and of the chain runner's recipes: SGD (lr 0.05, Nesterov), a 1-epoch
# linear warm-up, then cosine to 0, both stepped per iteration. Self-distillation (MixSKD) collapses to the
# majority class without the warm-up. Change max_epochs together with the cosine's end and T_max
# (tools/distill.py --epochs N writes all three).
max_epochs = 3
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True),
    constructor='DistillOptimWrapperConstructor',
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs, T_max=max_epochs - 1, eta_min=0.0,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()
