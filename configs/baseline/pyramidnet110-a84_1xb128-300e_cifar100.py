# pyramidnet110-a84 (PyramidNet-110, alpha 84, basic blocks, 3.86M params) trained alone on CIFAR-100.
# The CSS paper's "Baseline" column, so on the CSS schedule and with the CSS code's data settings.
_base_ = [
    '../_base_/models/pyramidnet110-a84.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/css_cifar_300e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.pyramidnet110_a84}}

# the CSS code normalises CIFAR-100 with the CIFAR-10 statistics
data_preprocessor = dict(mean=[125.307, 122.961, 113.8575], std=[51.5865, 50.847, 51.255])
train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=100)
test_dataloader = val_dataloader
