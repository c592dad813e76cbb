from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS

from .resnet_cifar import CIFARBackbone


class ChannelShuffle(nn.Module):
    """Channel shuffle with ``groups`` groups."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.size()
        g = self.groups
        return x.view(n, g, c // g, h, w).transpose(1, 2).reshape(n, c, h, w)


class ShuffleV1Block(nn.Module):
    """ShuffleNetV1 unit of the CRD / RepDistiller implementation.

    The unit concatenates its branch with the (average-pooled when strided)
    input if it downsamples or changes channels, otherwise it adds them.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the depthwise conv.
        groups (int): Groups of the pointwise convs.
        first_groups (int, optional): Groups of the first pointwise conv.
            Defaults to ``groups``.
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int, groups: int, first_groups: Optional[int] = None
    ):
        super().__init__()
        self.concat = stride != 1 or in_channels != out_channels
        branch_channels = out_channels - in_channels if self.concat else out_channels
        assert branch_channels > 0, (
            f'{out_channels} output channels cannot hold the concatenated {in_channels} input channels.'
        )
        mid_channels = branch_channels // 4
        first_groups = groups if first_groups is None else first_groups
        self.conv1 = nn.Conv2d(in_channels, mid_channels, 1, groups=first_groups, bias=False)
        self.bn1 = nn.BatchNorm2d(mid_channels)
        self.shuffle = ChannelShuffle(first_groups)
        self.conv2 = nn.Conv2d(mid_channels, mid_channels, 3, stride, 1, groups=mid_channels, bias=False)
        self.bn2 = nn.BatchNorm2d(mid_channels)
        self.conv3 = nn.Conv2d(mid_channels, branch_channels, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(branch_channels)
        self.shortcut = nn.AvgPool2d(3, stride, 1) if stride != 1 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.shuffle(out)
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = self.shortcut(x)
        out = torch.cat([out, identity], 1) if self.concat else out + identity
        return F.relu(out)


@MODELS.register_module()
class CIFARShuffleNetV1(CIFARBackbone):
    """ShuffleNetV1 for CIFAR (CRD / RepDistiller definition).

    A 1x1 conv stem (24 channels, stride 1) and three stages with strides
    2/2/2. The first pointwise conv of the network is not grouped. There is
    no ``post``.

    Args:
        groups (int): Groups of the pointwise convs. Defaults to 3.
        widths (Sequence[int]): Output channels of the stages.
            Defaults to (240, 480, 960).
        stage_blocks (Sequence[int]): Units per stage. Defaults to (4, 8, 4).
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(
        self,
        groups: int = 3,
        widths: Sequence[int] = (240, 480, 960),
        stage_blocks: Sequence[int] = (4, 8, 4),
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        assert len(widths) == len(stage_blocks)
        self.groups = groups
        self.stage_blocks = list(stage_blocks)
        stem_channels = 24
        stem = nn.Sequential(
            nn.Conv2d(3, stem_channels, 1, bias=False), nn.BatchNorm2d(stem_channels), nn.ReLU(inplace=True)
        )
        self._init_layers(
            stem,
            stage_in_channels=[stem_channels] + list(widths[:-1]),
            stage_channels=widths,
            stage_strides=[2] * len(widths),
            out_channels=widths[-1],
            out_indices=out_indices,
        )

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        out_channels = self.stage_channels[index]
        blocks = [
            ShuffleV1Block(in_channels, out_channels, stride, self.groups, first_groups=1 if index == 0 else None)
        ]
        for _ in range(1, self.stage_blocks[index]):
            blocks.append(ShuffleV1Block(out_channels, out_channels, 1, self.groups))
        return nn.Sequential(*blocks)
