from .css_network import (
    CSSBranch,
    CSSNetwork,
    aggregate_branch_logits,
    branch_class_logits,
    css_joint_targets,
    load_css_network,
    scores_to_samples,
)

__all__ = [
    'CSSBranch',
    'CSSNetwork',
    'aggregate_branch_logits',
    'branch_class_logits',
    'css_joint_targets',
    'load_css_network',
    'scores_to_samples',
]
