import torch
import torch.nn.functional as F

from mmkd.registry import MODELS

from .weighted_loss import WeightedLoss


def kl_div_with_temperature(
    student_logits: torch.Tensor, teacher_logits: torch.Tensor, tau: float = 1.0, detach_target: bool = True
) -> torch.Tensor:
    """``tau^2 * KL(softmax(t / tau) || softmax(s / tau))``, summed over classes, mean over rows.

    Args:
        student_logits (Tensor): (N, C) logits of the learner.
        teacher_logits (Tensor): (N, C) logits of the target.
        tau (float): softmax temperature.
        detach_target (bool): stop the gradient through the target side.
    """
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(
            f'KL needs equal shapes, got student {tuple(student_logits.shape)} '
            f'and teacher {tuple(teacher_logits.shape)}'
        )
    if detach_target:
        teacher_logits = teacher_logits.detach()
    log_p_s = F.log_softmax(student_logits / tau, dim=1)
    log_p_t = F.log_softmax(teacher_logits / tau, dim=1)
    kl = F.kl_div(log_p_s, log_p_t, reduction='batchmean', log_target=True)
    return kl * tau**2


@MODELS.register_module()
class KLDivergence(WeightedLoss):
    """Hinton's distillation loss: temperature-softened KL, scaled by ``tau^2``.

    Args:
        tau (float): temperature. Defaults to 1.0.
        loss_weight (float): weight of the loss. Defaults to 1.0.
        detach_target (bool): stop the gradient through the target. Defaults to True.
    """

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0, detach_target: bool = True):
        super().__init__(loss_weight)
        if tau <= 0:
            raise ValueError(f'KLDivergence: tau must be > 0, got {tau}')
        self.tau = tau
        self.detach_target = detach_target

    def compute(self, student_logits: torch.Tensor, teacher_logits: torch.Tensor) -> torch.Tensor:
        return kl_div_with_temperature(student_logits, teacher_logits, self.tau, self.detach_target)
