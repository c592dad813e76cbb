# Demo: MixSKD self-distillation of the student alone (mixup alpha 0.4, T 3, all loss terms), with the
# schedule's 1-epoch warm-up it needs.
_base_ = ['../_base_/models/resnet18-w16.py', '../_base_/datasets/fashion_mnist.py', '../_base_/recipes/mixskd.py']
model = dict(student={{_base_.resnet18_w16}})
