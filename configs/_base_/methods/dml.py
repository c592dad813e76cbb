# Deep Mutual Learning: peers trained together, each with CE + KL to the others (tau 1).
# Peer 1 is the evaluated and exported student. A config adds model = dict(peers=[{{_base_.<net>}}, ...]).
_base_ = ['../default_runtime.py']

model = dict(
    type='DMLDistiller',
    eval_peer=1,
    loss_ce=dict(type='HeadLoss', loss_weight=1.0),  # each peer head's own loss
    loss_kl=dict(type='KLDivergence', tau=1.0, loss_weight=1.0),  # the weight multiplies the mean over the other peers
)
