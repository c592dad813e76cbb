# A short schedule for Fashion-MNIST runs on a CPU: a few epochs, SGD + cosine over the whole run
# (the cosine's end, hence T_max, follows train_cfg.max_epochs).
_base_ = ['./_sgd_epochs.py']  # SGD (momentum 0.9) and the loops
optim_wrapper = dict(optimizer=dict(lr=0.05, weight_decay=5e-4, nesterov=True))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, eta_min=0.0)
train_cfg = dict(max_epochs=5)
