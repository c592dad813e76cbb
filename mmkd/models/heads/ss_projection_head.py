"""SSKD's self-supervision module: a projection head and the contrastive similarity matrix.

A batch of ``n`` images carries ``M`` copies per image in the sample-major layout of
:mod:`mmkd.models.utils.pretext` (row ``M * i`` is the normal image ``i``, rows ``M * i + r`` for
``r = 1 .. M - 1`` its transformed copies). Every transformed row is scored against every *normal*
row by the cosine of their projections; the row's own source image is the positive and the other
``n - 1`` normal images the negatives (transformed rows are never negatives, unlike SimCLR).
"""

from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmkd.registry import MODELS

from ..utils import transformed_rows, upright_rows


@MODELS.register_module()
class SSProjectionHead(BaseModule):
    """SSKD's projection head on the pooled penultimate feature: ``Linear -> ReLU -> Linear``, no BN.

    Args:
        in_channels (int): width ``d`` of the pooled feature (the input of the classifier's FC).
        hid_channels (int, optional): hidden width. Defaults to ``in_channels``.
        out_channels (int, optional): projection width. Defaults to ``in_channels``.
        init_cfg (dict, optional): initialisation config; PyTorch's Linear default when None,
            as in the official code.
    """

    def __init__(
        self,
        in_channels: int,
        hid_channels: Optional[int] = None,
        out_channels: Optional[int] = None,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        for name, value in (
            ('in_channels', in_channels),
            ('hid_channels', hid_channels),
            ('out_channels', out_channels),
        ):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f'SSProjectionHead: {name} must be a positive int, got {value!r}')
        hid_channels = hid_channels or in_channels
        out_channels = out_channels or in_channels
        self.in_channels, self.out_channels = in_channels, out_channels
        self.layers = nn.Sequential(
            nn.Linear(in_channels, hid_channels), nn.ReLU(inplace=True), nn.Linear(hid_channels, out_channels)
        )

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """Project (N, d) features (or the last of a tuple of them, as necks return) to (N, out)."""
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        if feats.dim() != 2 or feats.shape[1] != self.in_channels:
            raise ValueError(
                f'SSProjectionHead expects (N, {self.in_channels}) pooled features, got shape {tuple(feats.shape)}'
            )
        return self.layers(feats)


def contrastive_similarity(z: Tensor, num_transforms: int = 4) -> Tensor:
    """Cosine similarity of every transformed row to every normal row.

    Args:
        z (Tensor): (n * M, D) projections in the sample-major stacked layout.
        num_transforms (int): M, copies per image including the normal one. Defaults to 4.

    Returns:
        Tensor: (n * (M - 1), n); entry ``[(M - 1) * i + r - 1, k]`` is
        ``cos(z[M * i + r], z[M * k])``.
    """
    if z.dim() != 2:
        raise ValueError(f'contrastive_similarity expects (n * M, D) projections, got shape {tuple(z.shape)}')
    if num_transforms < 2:
        raise ValueError(f'contrastive_similarity needs transformed copies (num_transforms >= 2), got {num_transforms}')
    normal = F.normalize(upright_rows(z, num_transforms), dim=1)
    transformed = F.normalize(transformed_rows(z, num_transforms), dim=1)
    return transformed @ normal.t()


def contrastive_targets(n: int, num_transforms: int = 4, device: Optional[torch.device] = None) -> Tensor:
    """Column of the positive (the own source image) for each row of :func:`contrastive_similarity`.

    Args:
        n (int): number of source images.
        num_transforms (int): M, copies per image including the normal one. Defaults to 4.
        device (torch.device, optional): device of the result.

    Returns:
        LongTensor: (n * (M - 1),); row ``(M - 1) * i + r - 1`` holds ``i``.
    """
    return torch.arange(n, device=device).repeat_interleave(num_transforms - 1)
