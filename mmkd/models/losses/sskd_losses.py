"""SSKD's selective transfer: rank the teacher's mistakes, distil only the correct and mildest rows.

For every row the *error level* is the rank (0-based) of the correct answer among the teacher's
scores: 0 when the teacher is right. Rows are kept for distillation when the teacher is right, plus
the ``floor(ratio * |W|)`` wrong rows ``W`` with the smallest error levels (the corrected rule of the
official code; its first release swapped the correct and wrong counts). The KL divergence is then
averaged over the kept rows only.
"""

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def _check_scores(scores: Tensor, target: Tensor) -> None:
    if scores.dim() != 2 or target.dim() != 1 or target.shape[0] != scores.shape[0]:
        raise ValueError(
            f'expected (R, C) scores and (R,) targets, got {tuple(scores.shape)} and {tuple(target.shape)}'
        )


def error_levels(scores: Tensor, target: Tensor) -> Tensor:
    """Rank of the correct answer among each row's scores, 0 = the best.

    Ties are counted in the target's favour: the level is the number of scores *strictly* above the
    target's, so a row whose target ties for the maximum has level 0 (the official code breaks such
    ties arbitrarily through ``argsort``).

    Args:
        scores (Tensor): (R, C) teacher scores (logits or similarities).
        target (Tensor): (R,) index of the correct column of each row.

    Returns:
        LongTensor: (R,) error levels in ``[0, C - 1]``.
    """
    _check_scores(scores, target)
    target_score = scores.gather(1, target.long().unsqueeze(1))
    return (scores > target_score).sum(1)


def selective_transfer_mask(scores: Tensor, target: Tensor, ratio: float) -> Tensor:
    """Rows to distil: every correct row plus the ``floor(ratio * |W|)`` mildest wrong rows.

    Wrong rows are ordered by error level, ties by row index (a stable sort), so the mask is
    deterministic.

    Args:
        scores (Tensor): (R, C) teacher scores.
        target (Tensor): (R,) index of the correct column of each row.
        ratio (float): k, the fraction of wrong rows kept, in ``[0, 1]``.

    Returns:
        BoolTensor: (R,) True for the kept rows.
    """
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f'selective transfer ratio must be in [0, 1], got {ratio}')
    levels = error_levels(scores, target)
    wrong = (levels > 0).nonzero(as_tuple=True)[0]
    # the epsilon keeps e.g. 0.29 * 100 = 28.999... at 29, the floor the rule intends
    num_keep = math.floor(ratio * wrong.numel() + 1e-6)
    mask = levels == 0
    if num_keep > 0:
        order = torch.sort(levels[wrong], stable=True).indices
        mask[wrong[order[:num_keep]]] = True
    return mask


def masked_kl_div(student_logits: Tensor, teacher_logits: Tensor, mask: Tensor, tau: float = 1.0) -> Tensor:
    """``tau^2 * KL(softmax(t / tau) || softmax(s / tau))``, summed over columns, mean over kept rows.

    The teacher side is detached. With no kept row the loss is a zero that still carries the
    student's graph.

    Args:
        student_logits (Tensor): (R, C) student scores.
        teacher_logits (Tensor): (R, C) teacher scores.
        mask (Tensor): (R,) bool, the rows to average over.
        tau (float): temperature.
    """
    if student_logits.shape != teacher_logits.shape or mask.shape != student_logits.shape[:1]:
        raise ValueError(
            f'masked_kl_div needs equal (R, C) scores and an (R,) mask, got student '
            f'{tuple(student_logits.shape)}, teacher {tuple(teacher_logits.shape)}, '
            f'mask {tuple(mask.shape)}'
        )
    if tau <= 0:
        raise ValueError(f'temperature must be > 0, got {tau}')
    if not mask.any():
        return student_logits.sum() * 0.0
    log_p_s = F.log_softmax(student_logits[mask] / tau, dim=1)
    log_p_t = F.log_softmax(teacher_logits.detach()[mask] / tau, dim=1)
    return F.kl_div(log_p_s, log_p_t, reduction='batchmean', log_target=True) * tau**2
