# The short CPU schedule of the demo and of the chain runner's recipes: SGD (lr 0.05 for 64 images, Nesterov),
# a 1-epoch linear warm-up, then cosine to 0, both stepped per iteration. Self-distillation (MixSKD) collapses
# to the majority class without the warm-up, and also at lr 0.05 with 16 images a step: the lr therefore
# scales linearly with the batch size (auto_scale_lr; a factor of exactly 1 at 64). The cosine has no end: it
# follows train_cfg.max_epochs (one knob, see mmkd/apis/config.py).
_base_ = ['./_sgd_epochs.py']  # SGD (momentum 0.9) and the loops
max_epochs = 3
optim_wrapper = dict(optimizer=dict(lr=0.05, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, eta_min=0.0, convert_to_iter_based=True),
]
auto_scale_lr = dict(enable=True, base_batch_size=64)
train_cfg = dict(max_epochs=max_epochs)
