"""The base of mmkd's loss terms: a registered loss module with a ``loss_weight``."""

import copy
from typing import Any, Callable, Optional, Tuple

import torch.nn as nn

from mmkd.registry import MODELS


class WeightedLoss(nn.Module):
    """A loss term: ``loss_weight * compute(...)``.

    Subclasses implement :meth:`compute`, the unweighted term. Distillers that sum a term over
    branches, exits or peers take the weight and the unweighted term apart with
    :func:`split_weight`, so the sum keeps its own association.

    Args:
        loss_weight (float): weight of the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def compute(self, *args, **kwargs):
        raise NotImplementedError

    def forward(self, *args, **kwargs):
        return self.loss_weight * self.compute(*args, **kwargs)


def split_weight(loss: nn.Module) -> Tuple[float, Callable]:
    """``(loss_weight, unweighted term)`` of a loss module.

    A :class:`WeightedLoss` gives ``(loss.loss_weight, loss.compute)``; any other registered loss
    (e.g. mmpretrain's, which applies its own weight) gives ``(1.0, loss)``.
    """
    if isinstance(loss, WeightedLoss):
        return loss.loss_weight, loss.compute
    return 1.0, loss


def merge_loss_cfg(cfg: Optional[dict], default: dict) -> dict:
    """The config of a term: ``None`` is ``default``; a dict without ``type`` updates the default's
    keys; a dict with a ``type`` stands as given."""
    if cfg is None:
        return copy.deepcopy(dict(default))
    if not isinstance(cfg, dict):
        raise TypeError(f'a loss term is a config dict or None, got {type(cfg).__name__}')
    if 'type' in cfg:
        return copy.deepcopy(dict(cfg))
    merged = copy.deepcopy(dict(default))
    merged.update(copy.deepcopy(dict(cfg)))
    return merged


def build_loss(cfg: Optional[Any], default: dict) -> nn.Module:
    """Build a loss term from its config (see :func:`merge_loss_cfg`) through mmkd's ``MODELS``,
    which also reaches mmpretrain's losses. An ``nn.Module`` is used as it is."""
    if isinstance(cfg, nn.Module):
        return cfg
    return MODELS.build(merge_loss_cfg(cfg, default))
