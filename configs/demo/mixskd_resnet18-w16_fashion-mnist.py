# Demo: MixSKD self-distillation of the student alone (mixup alpha 0.4, T 3, all loss terms).
_base_ = [
    '../_base_/models/fashion_demo.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]
model = dict(type='MixSKDDistiller', student={{_base_.student}}, mixup_alpha=0.4, temperature=3.0)
