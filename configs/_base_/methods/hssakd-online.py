# Online HSSAKD: peers with auxiliary branches trained from scratch, distilling into each other.
# A config adds model = dict(peers=[{{_base_.<net>}}, {{_base_.<net>}}]); export either with --peer K.
_base_ = ['../default_runtime.py']

model = dict(
    type='OnlineHSSAKD',
    pretext='rotation',
    use_aux=True,
    use_kl_q=True,
    kl_p_scope='all',  # 'upright' = DML on logits
    loss_ce=dict(type='HeadLoss', loss_weight=1.0),  # each peer head's own loss
    # the weights multiply the sums over branches / other peers
    loss_aux=dict(type='SoftmaxCrossEntropy', loss_weight=1.0),  # joint labels on every branch
    loss_kl_q=dict(type='KLDivergence', tau=3.0, loss_weight=1.0),
    loss_kl_p=dict(type='KLDivergence', tau=3.0, loss_weight=1.0),
)
