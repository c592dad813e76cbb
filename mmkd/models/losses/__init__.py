from .kl_divergence import KLDivergence, kl_div_with_temperature
from .sskd_losses import error_levels, masked_kl_div, selective_transfer_mask

__all__ = ['KLDivergence', 'kl_div_with_temperature', 'error_levels', 'masked_kl_div', 'selective_transfer_mask']
