import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.choices import check_choice

from .weighted_loss import WeightedLoss

FEAT_REDUCTIONS = ('sum', 'mean', 'pooled')


def feature_hint(feat: torch.Tensor, target: torch.Tensor, reduction: str = 'sum') -> torch.Tensor:
    """Squared L2 distance of two (N, C, H, W) maps, averaged over the batch (see ``FEAT_REDUCTIONS``)."""
    if reduction == 'mean':
        return F.mse_loss(feat, target)
    if reduction == 'pooled':
        feat, target = feat.mean((2, 3)), target.mean((2, 3))
    return (feat - target).pow(2).sum() / feat.shape[0]


@MODELS.register_module()
class MSELoss(WeightedLoss):
    """``F.mse_loss(pred, target)``: mean squared error over every element.

    Args:
        loss_weight (float): weight of the loss. Defaults to 1.0.
    """

    def compute(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(pred, target)


@MODELS.register_module()
class FeatureHint(WeightedLoss):
    """SSSD's feature hint: squared L2 of ``F_i - F_L``, averaged over the batch.

    Args:
        reduction (str): ``'sum'`` over elements, ``'mean'`` over elements, or ``'pooled'`` (pool
            first, sum over channels). Defaults to ``'sum'``.
        loss_weight (float): weight of the loss. Defaults to 1.0.
    """

    def __init__(self, reduction: str = 'sum', loss_weight: float = 1.0):
        super().__init__(loss_weight)
        check_choice('reduction', reduction, FEAT_REDUCTIONS, 'FeatureHint')
        self.reduction = reduction

    def compute(self, feat: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return feature_hint(feat, target, self.reduction)


@MODELS.register_module()
class DiscriminatorLoss(WeightedLoss):
    """A discriminator's own real/fake loss: ``compute(discriminator, real, fake) = discriminator.loss(real, fake)``.

    Args:
        loss_weight (float): weight of the loss. Defaults to 1.0.
    """

    def compute(self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return discriminator.loss(real, fake)
