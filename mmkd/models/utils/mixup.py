"""Batch mixup that returns its mixing coefficient and partner index (MixSKD)."""

from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


def sample_beta(alpha: float, generator: Optional[torch.Generator] = None) -> float:
    """Draw one ``lam ~ Beta(alpha, alpha)``, reproducibly from a torch generator.

    ``torch.distributions.Beta`` cannot take a generator, so a numpy seed is drawn from ``generator``
    (or torch's global RNG when it is None) and numpy samples the Beta.

    Args:
        alpha (float): Beta concentration, > 0.
        generator (torch.Generator, optional): source of randomness.

    Returns:
        float: the sample.
    """
    if alpha <= 0:
        raise ValueError(f'mixup alpha must be > 0, got {alpha}')
    device = generator.device if generator is not None else 'cpu'
    seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=device).item())
    return float(np.random.default_rng(seed).beta(alpha, alpha))


def mixup_with_meta(
    x: Tensor,
    alpha: float,
    generator: Optional[torch.Generator] = None,
    lam: Optional[float] = None,
    index: Optional[Tensor] = None,
) -> Tuple[Tensor, float, Tensor]:
    """Mix a batch with a permutation of itself and keep ``lam`` and ``index``.

    Args:
        x (Tensor): (B, ...) batch.
        alpha (float): Beta(alpha, alpha) concentration, > 0.
        generator (torch.Generator, optional): makes ``lam`` and ``index`` reproducible.
        lam (float, optional): use this coefficient instead of sampling one.
        index (Tensor, optional): (B,) partner indices to use instead of ``randperm(B)``.

    Returns:
        tuple: ``mixed = lam * x + (1 - lam) * x[index]``, ``lam`` (float) and ``index`` (LongTensor
        on ``x.device``).
    """
    if alpha <= 0:
        raise ValueError(f'mixup alpha must be > 0, got {alpha}')
    batch_size = x.shape[0]
    if lam is None:
        lam = sample_beta(alpha, generator)
    lam = float(lam)
    if index is None:
        device = generator.device if generator is not None else x.device
        index = torch.randperm(batch_size, generator=generator, device=device)
    elif index.shape != (batch_size,):
        raise ValueError(f'index must have shape ({batch_size},), got {tuple(index.shape)}')
    index = index.to(device=x.device, dtype=torch.long)
    return mix_tensors(x, lam, index), lam, index


def mix_tensors(a: Tensor, lam: float, index: Tensor) -> Tensor:
    """``lam * a + (1 - lam) * a[index]``: mix features or logits like the input batch was mixed.

    Args:
        a (Tensor): (B, ...) tensor.
        lam (float): mixing coefficient.
        index (Tensor): (B,) partner indices.

    Returns:
        Tensor: the mixed tensor, same shape and dtype as ``a``.
    """
    return lam * a + (1 - lam) * a[index]


def mixup_cross_entropy(logits: Tensor, y: Tensor, lam: float, index: Tensor) -> Tensor:
    """Cross-entropy against both labels of a mixed batch.

    Args:
        logits (Tensor): (B, num_classes) logits of the mixed batch.
        y (Tensor): (B,) labels of the unmixed batch.
        lam (float): mixing coefficient.
        index (Tensor): (B,) partner indices.

    Returns:
        Tensor: ``lam * CE(logits, y) + (1 - lam) * CE(logits, y[index])``, each a batch mean.
    """
    return lam * F.cross_entropy(logits, y) + (1 - lam) * F.cross_entropy(logits, y[index])
