# A short MoCo v2 schedule for the Fashion-MNIST example on a CPU: 4 epochs, lr 0.06 (batch 128).
_base_ = ['./sssd_moco_200e.py']
optim_wrapper = dict(optimizer=dict(lr=0.06))
train_cfg = dict(max_epochs=4)
auto_scale_lr = dict(base_batch_size=128)
