from .kl_divergence import KLDivergence, kl_div_with_temperature
from .sskd_losses import error_levels, masked_kl_div, selective_transfer_mask
from .weighted_loss import WeightedLoss, build_loss, merge_loss_cfg, split_weight

__all__ = [
    'WeightedLoss',
    'build_loss',
    'merge_loss_cfg',
    'split_weight',
    'KLDivergence',
    'kl_div_with_temperature',
    'error_levels',
    'masked_kl_div',
    'selective_transfer_mask',
]
