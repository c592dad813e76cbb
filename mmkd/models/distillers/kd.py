from typing import Optional, Union

import torch

from mmkd.registry import MODELS

from ..losses import kl_div_with_temperature
from .base import BaseDistiller, gt_labels


@MODELS.register_module()
class KDDistiller(BaseDistiller):
    """Hinton et al., "Distilling the Knowledge in a Neural Network" (2015).

    ``loss_ce = ce_weight * CE(s, y)`` and ``loss_kd = kd_weight * tau^2 * KL(softmax(t/tau) || softmax(s/tau))``.

    Args:
        student (dict): student classifier config.
        teacher (dict | str): teacher classifier config (or a config file).
        teacher_ckpt (str): teacher checkpoint.
        tau (float): temperature. Defaults to 4.0 (the CIFAR-100 KD benchmark's value).
        ce_weight (float): weight of the student's own loss (its head's loss module). Defaults to 1.0.
        kd_weight (float): weight of the KD term. Defaults to 1.0.
        **kwargs: see :class:`BaseDistiller`.
    """

    def __init__(
        self,
        student: dict,
        teacher: Union[dict, str],
        teacher_ckpt: Optional[str] = None,
        tau: float = 4.0,
        ce_weight: float = 1.0,
        kd_weight: float = 1.0,
        **kwargs,
    ):
        super().__init__(student=student, teacher=teacher, teacher_ckpt=teacher_ckpt, **kwargs)
        self.tau = tau
        self.ce_weight = ce_weight
        self.kd_weight = kd_weight

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        _, logits = self.classify(self.student, inputs)
        t_logits = self.teacher_logits(inputs)
        return dict(
            loss_ce=self.ce_weight * self.student.head.loss_module(logits, labels),
            loss_kd=self.kd_weight * kl_div_with_temperature(logits, t_logits, self.tau),
        )
