# CSS (Channel Self-Supervision for online KD): two peer networks, each a shared trunk and 3 masked
# branches with joint (class x transform) heads; branch j of one network distils into branch j of the other.
# A config adds model = dict(net1=dict(type='CSSNetwork', backbone=..., num_classes=...)) and the
# evaluators [Accuracy, CSSMetric].
_base_ = ['../default_runtime.py']

model = dict(
    type='CSSDistiller',
    net2=None,  # None: a second, independently initialised net1
    num_networks=2,
    num_branches=3,
    temperature=3.0,
    sample_diversity=True,
    target_diversity=True,
    dynamic_weight=True,
    mask_layout='code_corners',  # the code's (H/4)x(W/4) corner blocks of the trunk output
    mask_fraction=None,
    detach_teacher=False,
    detach_alpha=False,
    eval_mode='net1_agg',
    diversity_space='joint',
)
