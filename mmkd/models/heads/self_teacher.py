"""The MixSKD self-teacher: a classifier over the fused feature maps of every exit."""

from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmkd.registry import MODELS


@MODELS.register_module()
class SelfTeacher(BaseModule):
    """Fuse equally shaped stage feature maps and classify them (MixSKD's ``h``).

    ``concat -> 1x1 conv (num_inputs * C -> C, no bias) -> GAP -> Linear``. As in the authors' code,
    the fusion conv has no BN or activation after it and maps back to ``C`` channels (not ``C / K``).

    Args:
        in_channels (int): channels C of each input map (the final backbone width).
        num_inputs (int): number of maps fused.
        num_classes (int): outputs of the classifier.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self, in_channels: int, num_inputs: int, num_classes: int, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        if in_channels < 1 or num_inputs < 1 or num_classes < 1:
            raise ValueError(
                f'SelfTeacher needs positive sizes, got in_channels={in_channels}, '
                f'num_inputs={num_inputs}, num_classes={num_classes}'
            )
        self.in_channels = in_channels
        self.num_inputs = num_inputs
        self.fuse = nn.Conv2d(num_inputs * in_channels, in_channels, kernel_size=1, bias=False)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        """(N, C, H, W) maps, ``num_inputs`` of them -> (N, num_classes) logits."""
        if len(feats) != self.num_inputs:
            raise ValueError(f'SelfTeacher was built for {self.num_inputs} feature maps, got {len(feats)}')
        fused = self.fuse(torch.cat(list(feats), dim=1))
        return self.fc(self.pool(fused).flatten(1))
