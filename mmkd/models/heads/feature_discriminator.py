"""A discriminator that tells two kinds of feature maps apart (MixSKD's ``D_k``)."""

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmkd.registry import MODELS


class _GradientReversal(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.scale * grad, None


def grad_reverse(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """Identity forward, gradient multiplied by ``-scale`` backward (a gradient reversal layer)."""
    return _GradientReversal.apply(x, scale)


@MODELS.register_module()
class FeatureDiscriminator(BaseModule):
    """``GAP -> Linear(C, hidden) -> ReLU -> Linear(hidden, 2)`` on a feature map.

    Trained, as in the MixSKD code, with BCE-with-logits against the 2-d one-hot targets ``[1, 0]``
    for "real" (MixSKD: interpolated) and ``[0, 1]`` for "fake" (mixup) features. This is the
    paper's "two-layer MLP followed by a sigmoid" with two outputs.

    Args:
        in_channels (int): channels C of the input maps (or length of input vectors).
        hidden_channels (int): width of the hidden layer. Defaults to 128 (the authors' code).
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self, in_channels: int, hidden_channels: int = 128, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.mlp = nn.Sequential(
            nn.Linear(in_channels, hidden_channels), nn.ReLU(inplace=True), nn.Linear(hidden_channels, 2)
        )

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) maps or (N, C) vectors -> (N, 2) logits."""
        if feat.dim() == 4:
            feat = self.pool(feat).flatten(1)
        if feat.dim() != 2 or feat.shape[1] != self.in_channels:
            raise ValueError(
                f'FeatureDiscriminator expects (N, {self.in_channels}[, H, W]) inputs, got shape {tuple(feat.shape)}'
            )
        return self.mlp(feat)

    def loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """BCE-with-logits of ``real`` vs ``[1, 0]`` and ``fake`` vs ``[0, 1]``, mean over both batches."""
        logits = self(torch.cat([real, fake]))
        target = logits.new_zeros(logits.shape)
        target[: len(real), 0] = 1
        target[len(real) :, 1] = 1
        return F.binary_cross_entropy_with_logits(logits, target)
