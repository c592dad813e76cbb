from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS

from .resnet_cifar import CIFARBackbone
from .shufflenetv1_cifar import ChannelShuffle


class ShuffleV2Block(nn.Module):
    """ShuffleNetV2 basic unit (channel split, one branch, shuffle).

    Args:
        channels (int): Input and output channels.
        split_ratio (float): Ratio of channels passed through untouched.
            Defaults to 0.5.
    """

    def __init__(self, channels: int, split_ratio: float = 0.5):
        super().__init__()
        self.split_channels = int(channels * split_ratio)
        c = self.split_channels
        self.conv1 = nn.Conv2d(c, c, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1, groups=c, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.conv3 = nn.Conv2d(c, c, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c)
        self.shuffle = ChannelShuffle(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x[:, : self.split_channels], x[:, self.split_channels :]
        out = F.relu(self.bn1(self.conv1(x2)))
        out = self.bn2(self.conv2(out))
        out = F.relu(self.bn3(self.conv3(out)))
        return self.shuffle(torch.cat([x1, out], 1))


class ShuffleV2DownBlock(nn.Module):
    """ShuffleNetV2 two-branch (downsampling) unit.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the depthwise convs. Defaults to 2.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 2):
        super().__init__()
        mid_channels = out_channels // 2
        self.conv1 = nn.Conv2d(in_channels, in_channels, 3, stride, 1, groups=in_channels, bias=False)
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv2 = nn.Conv2d(in_channels, mid_channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid_channels)
        self.conv3 = nn.Conv2d(in_channels, mid_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(mid_channels)
        self.conv4 = nn.Conv2d(mid_channels, mid_channels, 3, stride, 1, groups=mid_channels, bias=False)
        self.bn4 = nn.BatchNorm2d(mid_channels)
        self.conv5 = nn.Conv2d(mid_channels, mid_channels, 1, bias=False)
        self.bn5 = nn.BatchNorm2d(mid_channels)
        self.shuffle = ChannelShuffle(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out1 = self.bn1(self.conv1(x))
        out1 = F.relu(self.bn2(self.conv2(out1)))
        out2 = F.relu(self.bn3(self.conv3(x)))
        out2 = self.bn4(self.conv4(out2))
        out2 = F.relu(self.bn5(self.conv5(out2)))
        return self.shuffle(torch.cat([out1, out2], 1))


@MODELS.register_module()
class CIFARShuffleNetV2(CIFARBackbone):
    """ShuffleNetV2 for CIFAR (CRD / RepDistiller definition).

    A 1x1 conv stem (24 channels, stride 1), three stages of one two-branch
    unit (strides 2/2/2) followed by basic units, and ``post`` = 1x1 conv +
    BN + ReLU. ``make_stage(..., stride=1)`` keeps the two-branch unit with
    stride 1, as in the HSAKD auxiliary branches.

    Args:
        net_size (float): One of :attr:`arch_settings`. Defaults to 1.0.
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    # net_size: (stage channels, post channels, stage basic units)
    arch_settings = {
        0.2: ((40, 80, 160), 512, (3, 3, 3)),
        0.3: ((40, 80, 160), 512, (3, 7, 3)),
        0.5: ((48, 96, 192), 1024, (3, 7, 3)),
        1.0: ((116, 232, 464), 1024, (3, 7, 3)),
        1.5: ((176, 352, 704), 1024, (3, 7, 3)),
        2.0: ((224, 488, 976), 2048, (3, 7, 3)),
    }

    def __init__(
        self,
        net_size: float = 1.0,
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if net_size not in self.arch_settings:
            raise KeyError(f'Invalid net_size {net_size}, choose from {sorted(self.arch_settings)}.')
        self.net_size = net_size
        widths, self.last_channels, self.stage_blocks = self.arch_settings[net_size]
        stem_channels = 24
        stem = nn.Sequential(
            nn.Conv2d(3, stem_channels, 1, bias=False), nn.BatchNorm2d(stem_channels), nn.ReLU(inplace=True)
        )
        self._init_layers(
            stem,
            stage_in_channels=[stem_channels] + list(widths[:-1]),
            stage_channels=widths,
            stage_strides=[2, 2, 2],
            out_channels=self.last_channels,
            out_indices=out_indices,
        )

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        out_channels = self.stage_channels[index]
        blocks = [ShuffleV2DownBlock(in_channels, out_channels, stride)]
        for _ in range(self.stage_blocks[index]):
            blocks.append(ShuffleV2Block(out_channels))
        return nn.Sequential(*blocks)

    def _build_post(self) -> nn.Module:
        return nn.Sequential(
            nn.Conv2d(self.stage_channels[-1], self.last_channels, 1, bias=False),
            nn.BatchNorm2d(self.last_channels),
            nn.ReLU(inplace=True),
        )
