import torch
import torch.nn.functional as F

from mmkd.registry import MODELS

from .weighted_loss import WeightedLoss


@MODELS.register_module()
class SoftmaxCrossEntropy(WeightedLoss):
    """``F.cross_entropy(z / tau, y)`` against hard labels, batch mean.

    Unlike mmpretrain's ``CrossEntropyLoss`` (a head's loss), it has a temperature; with ``tau=1``
    the logits are used as they are.

    Args:
        tau (float): temperature. Defaults to 1.0.
        loss_weight (float): weight of the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0):
        super().__init__(loss_weight)
        if not tau > 0:
            raise ValueError(f'SoftmaxCrossEntropy: tau must be > 0, got {tau}')
        self.tau = tau

    def compute(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits if self.tau == 1 else logits / self.tau, target)
