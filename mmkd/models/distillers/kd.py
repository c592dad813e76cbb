from typing import Optional, Union

import torch

from mmkd.registry import MODELS

from ..losses import HEAD_LOSS, build_head_loss, build_loss, fill_alias
from .base import BaseDistiller, gt_labels

LOSS_KD = dict(type='KLDivergence', tau=4.0, loss_weight=1.0)


@MODELS.register_module()
class KDDistiller(BaseDistiller):
    """Hinton et al., "Distilling the Knowledge in a Neural Network" (2015).

    ``loss_ce = loss_ce(s, y)`` and ``loss_kd = loss_kd(s, t)``, by default
    ``w * tau^2 * KL(softmax(t/tau) || softmax(s/tau))``.

    Args:
        student (dict): student classifier config.
        teacher (dict | str): teacher classifier config (or a config file).
        teacher_ckpt (str): teacher checkpoint.
        loss_ce (dict, optional): the student's own loss; ``None`` (default) is its head's loss
            module, ``dict(loss_weight=w)`` weights it, a dict with a ``type`` replaces it.
        loss_kd (dict, optional): the KD term. Defaults to ``dict(type='KLDivergence', tau=4.0,
            loss_weight=1.0)``; a dict without ``type`` updates these keys.
        tau, ce_weight, kd_weight (float, optional): deprecated: ``loss_kd.tau``,
            ``loss_ce.loss_weight``, ``loss_kd.loss_weight``.
        **kwargs: see :class:`BaseDistiller`.
    """

    def __init__(
        self,
        student: dict,
        teacher: Union[dict, str],
        teacher_ckpt: Optional[str] = None,
        loss_ce: Optional[dict] = None,
        loss_kd: Optional[dict] = None,
        tau: Optional[float] = None,
        ce_weight: Optional[float] = None,
        kd_weight: Optional[float] = None,
        **kwargs,
    ):
        super().__init__(student=student, teacher=teacher, teacher_ckpt=teacher_ckpt, **kwargs)
        terms, defaults = dict(loss_ce=loss_ce, loss_kd=loss_kd), dict(loss_ce=HEAD_LOSS, loss_kd=LOSS_KD)
        fill_alias(terms, defaults, 'KDDistiller', 'tau', tau, 'loss_kd', 'tau')
        fill_alias(terms, defaults, 'KDDistiller', 'ce_weight', ce_weight, 'loss_ce')
        fill_alias(terms, defaults, 'KDDistiller', 'kd_weight', kd_weight, 'loss_kd')
        self.loss_ce = build_head_loss(terms['loss_ce'], self.student.head)
        self.loss_kd = build_loss(terms['loss_kd'], LOSS_KD)

    @property
    def tau(self) -> float:
        return self.loss_kd.tau

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        _, logits = self.classify(self.student, inputs)
        t_logits = self.teacher_logits(inputs)
        return dict(loss_ce=self.loss_ce(logits, labels), loss_kd=self.loss_kd(logits, t_logits))
