# MixSKD's fine-grained schedule (CUB-200 / Dogs / MIT67 / Cars / Aircraft rows and their ResNet-18 baselines):
# the CIFAR schedule of ./mixskd_cifar_205e.py (SGD 0.1 Nesterov, 5-epoch warm-up stepped per iteration, x0.1
# after epochs 105 / 155, 205 epochs) with batch 32 and weight decay 1e-4.
_base_ = ['./mixskd_cifar_205e.py']
optim_wrapper = dict(optimizer=dict(weight_decay=1e-4))
auto_scale_lr = dict(base_batch_size=32)
