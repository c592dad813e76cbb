# CSS (Channel Self-Supervision for online KD): two peer networks, each a shared trunk and 3 masked
# branches with joint (class x transform) heads; branch j of one peer distils into branch j of the other.
# A config sets model = dict(peers=[dict(type='CSSNetwork', backbone=..., num_classes=...), None]) (None: a
# second, independently initialised peers[0]; one entry: a single network, CE only) and the evaluators
# [Accuracy, CSSMetric].
_base_ = ['../default_runtime.py']

model = dict(
    type='CSSDistiller',
    eval_peer=0,  # the peer predict / tools/test.py score and tools/export_student.py exports
    ensemble=False,  # True: score by the mean of both peers' aggregated logits
    num_branches=3,
    loss_kd=dict(type='KLDivergence', tau=3.0, detach_target=False, loss_weight=1.0),
    sample_diversity=True,
    target_diversity=True,
    dynamic_weight=True,
    mask_layout='code_corners',  # the code's (H/4)x(W/4) corner blocks of the trunk output
    mask_fraction=None,
    detach_alpha=False,
    diversity_space='joint',
)
