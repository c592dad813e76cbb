from typing import Optional

import torch.nn as nn

from mmkd.registry import MODELS

from .weighted_loss import WeightedLoss, build_loss

#: the default of a student's own loss term: its head's loss module, weight 1
HEAD_LOSS = dict(type='HeadLoss', loss_weight=1.0)


@MODELS.register_module()
class HeadLoss(WeightedLoss):
    """A classifier head's own loss module (its ``loss_module``), weighted.

    The distiller binds the head's module (:func:`build_head_loss`). It is held by reference, not as
    a child: it stays its head's (one copy in the ``state_dict``, and a deep copy of the model
    points at the copied head's).

    Args:
        loss_weight (float): weight of the loss. Defaults to 1.0.
        loss_module (nn.Module, optional): the head's loss, called as ``loss_module(logits, labels)``.
    """

    def __init__(self, loss_weight: float = 1.0, loss_module: Optional[nn.Module] = None):
        super().__init__(loss_weight)
        self._loss_module = (loss_module,)

    @property
    def loss_module(self) -> Optional[nn.Module]:
        return self._loss_module[0]

    def bind(self, loss_module: nn.Module) -> 'HeadLoss':
        self._loss_module = (loss_module,)
        return self

    def compute(self, logits, labels):
        if self._loss_module[0] is None:
            raise RuntimeError('HeadLoss has no head loss bound: build it with build_head_loss')
        return self._loss_module[0](logits, labels)


def build_head_loss(cfg: Optional[dict], head: nn.Module, loss_weight: float = 1.0) -> nn.Module:
    """A term whose default is ``head``'s own loss, ``dict(type='HeadLoss', loss_weight=loss_weight)``
    (merged as :func:`build_loss`); a :class:`HeadLoss` is bound to ``head.loss_module``, any other
    type (e.g. ``dict(type='CrossEntropyLoss', loss_weight=0.1)``) replaces it."""
    loss = build_loss(cfg, dict(HEAD_LOSS, loss_weight=loss_weight))
    if isinstance(loss, HeadLoss) and loss.loss_module is None:
        loss.bind(head.loss_module)
    return loss
