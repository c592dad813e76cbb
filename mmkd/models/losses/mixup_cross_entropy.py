from typing import Union

import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS

from ..utils import mixup_cross_entropy
from .weighted_loss import WeightedLoss

Lam = Union[float, Tensor]


def mixed_cross_entropy(logits: Tensor, y: Tensor, lam: Lam, index: Tensor) -> Tensor:
    """Cross-entropy against the mixed label ``lam * y + (1 - lam) * y[index]`` (batch mean)."""
    if not isinstance(lam, Tensor):
        return mixup_cross_entropy(logits, y, lam, index)
    lam = lam.to(logits.dtype)
    ce_a = F.cross_entropy(logits, y, reduction='none')
    ce_b = F.cross_entropy(logits, y[index], reduction='none')
    return (lam * ce_a + (1 - lam) * ce_b).mean()


@MODELS.register_module()
class MixupCrossEntropy(WeightedLoss):
    """Cross-entropy of mixup logits against the mixed label (see :func:`mixed_cross_entropy`).

    ``compute(logits, y, lam, index)``: ``lam`` is a batch-wide float or a per-sample (B,) tensor.

    Args:
        loss_weight (float): weight of the loss. Defaults to 1.0.
    """

    def compute(self, logits: Tensor, y: Tensor, lam: Lam, index: Tensor) -> Tensor:
        return mixed_cross_entropy(logits, y, lam, index)
