from .aliases import fill_alias
from .cross_entropy import SoftmaxCrossEntropy
from .feature_losses import FEAT_REDUCTIONS, DiscriminatorLoss, FeatureHint, MSELoss, feature_hint
from .head_loss import HEAD_LOSS, HeadLoss, build_head_loss
from .kl_divergence import KLDivergence, kl_div_with_temperature
from .mixup_cross_entropy import MixupCrossEntropy, mixed_cross_entropy
from .selective_kl_divergence import SelectiveKLDivergence
from .sskd_losses import error_levels, masked_kl_div, selective_transfer_mask
from .weighted_loss import WeightedLoss, build_loss, merge_loss_cfg, split_weight

__all__ = [
    'WeightedLoss',
    'build_loss',
    'merge_loss_cfg',
    'split_weight',
    'fill_alias',
    'HEAD_LOSS',
    'HeadLoss',
    'build_head_loss',
    'KLDivergence',
    'kl_div_with_temperature',
    'SelectiveKLDivergence',
    'SoftmaxCrossEntropy',
    'MixupCrossEntropy',
    'mixed_cross_entropy',
    'MSELoss',
    'FeatureHint',
    'feature_hint',
    'FEAT_REDUCTIONS',
    'DiscriminatorLoss',
    'error_levels',
    'masked_kl_div',
    'selective_transfer_mask',
]
