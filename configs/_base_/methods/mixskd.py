# MixSKD: self-KD of one network from mixup images (the feature maps and logits of a mixup image match
# the interpolation of its two sources'); mixup Beta(0.4, 0.4), tau 3.
# A config adds model = dict(student={{_base_.<net>}}) and a schedule with the method's warm-up.
_base_ = ['../default_runtime.py']

# Each term's loss_weight multiplies its sum over the exits.
model = dict(
    type='MixSKDDistiller',
    mixup_alpha=0.4,
    loss_cls=dict(type='SoftmaxCrossEntropy', loss_weight=1.0),
    loss_mixcls=dict(type='MixupCrossEntropy', loss_weight=1.0),
    loss_feat=dict(type='MSELoss', loss_weight=1.0),
    loss_dis=dict(type='DiscriminatorLoss', loss_weight=1.0),
    loss_b_logit=dict(type='KLDivergence', tau=3.0, loss_weight=1.0),
    loss_cls_h=dict(type='MixupCrossEntropy', loss_weight=1.0),
    loss_f_logit=dict(type='KLDivergence', tau=3.0, loss_weight=1.0),
)
