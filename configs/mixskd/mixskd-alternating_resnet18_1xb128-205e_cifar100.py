# MixSKD, CIFAR-100, ResNet-18 with disc_mode='alternating': each iteration a discriminator step, then a
# network step against the updated discriminators, each with its own optimizer (docs/methods/mixskd.md,
# "Discriminator modes"). Not a paper setting: the method trains its discriminators jointly.
_base_ = ['./mixskd_resnet18_1xb128-205e_cifar100.py']

model = dict(disc_mode='alternating')

# one optimizer wrapper per group, both with the schedule's SGD: 'discriminators' takes model.discriminators,
# 'network' every other trainable parameter (student, branches, self-teacher)
optim_wrapper = dict(
    _delete_=True,
    constructor='MultiOptimWrapperConstructor',
    discriminators=dict(optimizer={{_base_.optim_wrapper.optimizer}}),
    network=dict(optimizer={{_base_.optim_wrapper.optimizer}}),
)
# param_scheduler stays the base's list (warm-up, then x0.1 steps); mmengine builds one copy per wrapper
