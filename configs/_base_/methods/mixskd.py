# MixSKD: self-KD of one network from mixup images (the feature maps and logits of a mixup image match
# the interpolation of its two sources'); mixup Beta(0.4, 0.4), temperature 3.
# A config adds model = dict(student={{_base_.<net>}}) and a schedule with the method's warm-up.
_base_ = ['../default_runtime.py']

model = dict(type='MixSKDDistiller', mixup_alpha=0.4, temperature=3.0)
