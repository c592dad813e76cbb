from torch import Tensor

from mmkd.registry import MODELS

from .sskd_losses import masked_kl_div, selective_transfer_mask
from .weighted_loss import WeightedLoss


@MODELS.register_module()
class SelectiveKLDivergence(WeightedLoss):
    """SSKD's selective transfer: ``tau^2`` KL averaged over the rows a mask keeps.

    ``mask(scores, target)`` picks the rows (every row the teacher gets right plus the ``ratio``
    mildest wrong ones, :func:`selective_transfer_mask`); ``compute(s, t, mask)`` is
    :func:`masked_kl_div`.

    Args:
        tau (float): temperature. Defaults to 1.0.
        ratio (float): share of the teacher's wrong rows kept, in ``[0, 1]``. Defaults to 1.0.
        loss_weight (float): weight of the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 1.0, ratio: float = 1.0, loss_weight: float = 1.0):
        super().__init__(loss_weight)
        if not tau > 0:
            raise ValueError(f'SelectiveKLDivergence: tau must be > 0, got {tau}')
        if not 0.0 <= ratio <= 1.0:
            raise ValueError(f'SelectiveKLDivergence: ratio must be in [0, 1], got {ratio}')
        self.tau, self.ratio = tau, ratio

    def mask(self, scores: Tensor, target: Tensor) -> Tensor:
        return selective_transfer_mask(scores, target, self.ratio)

    def compute(self, student_scores: Tensor, teacher_scores: Tensor, mask: Tensor) -> Tensor:
        return masked_kl_div(student_scores, teacher_scores, mask, self.tau)
