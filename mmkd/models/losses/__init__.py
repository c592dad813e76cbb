from .kl_divergence import KLDivergence, kl_div_with_temperature

__all__ = ['KLDivergence', 'kl_div_with_temperature']
