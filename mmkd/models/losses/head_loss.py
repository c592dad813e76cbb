from typing import Optional

import torch.nn as nn

from .weighted_loss import WeightedLoss, build_loss


class HeadLoss(WeightedLoss):
    """A classifier head's own loss module (its ``loss_module``), weighted.

    The module is held by reference, not as a child: it stays its head's (one copy in the
    ``state_dict``, and a deep copy of the model points at the copied head's).

    Args:
        loss_module (nn.Module): the head's loss, called as ``loss_module(logits, labels)``.
        loss_weight (float): weight of the loss. Defaults to 1.0.
    """

    def __init__(self, loss_module: nn.Module, loss_weight: float = 1.0):
        super().__init__(loss_weight)
        self._loss_module = (loss_module,)

    @property
    def loss_module(self) -> nn.Module:
        return self._loss_module[0]

    def compute(self, logits, labels):
        return self._loss_module[0](logits, labels)


def build_head_loss(cfg: Optional[dict], head: nn.Module, loss_weight: float = 1.0) -> nn.Module:
    """A term that defaults to ``head``'s own loss: ``None`` is ``head.loss_module`` weighted
    ``loss_weight``; a dict without ``type`` may only set ``loss_weight``; a dict with a ``type``
    is built (e.g. ``dict(type='CrossEntropyLoss', loss_weight=0.1)``)."""
    if cfg is None or (isinstance(cfg, dict) and 'type' not in cfg):
        cfg = dict(cfg or {})
        unknown = set(cfg) - {'loss_weight'}
        if unknown:
            raise ValueError(
                f"the head's own loss only takes loss_weight, got {sorted(unknown)}; give a type to replace it"
            )
        return HeadLoss(head.loss_module, cfg.get('loss_weight', loss_weight))
    return build_loss(cfg, {})
