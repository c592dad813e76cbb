from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS

from .resnet_cifar import CIFARBackbone


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class InvertedResidual(nn.Module):
    """Inverted residual block (always with the expanding 1x1 conv).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the depthwise conv.
        expand_ratio (int): Expansion ratio of the hidden channels.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: int):
        super().__init__()
        assert stride in (1, 2), f'stride must be 1 or 2, got {stride}.'
        hidden = in_channels * expand_ratio
        self.use_res_connect = stride == 1 and in_channels == out_channels
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


@MODELS.register_module()
class CIFARMobileNetV2(CIFARBackbone):
    """MobileNetV2 for CIFAR (CRD / HSAKD definition).

    The stem is a stride-1 3x3 conv. The seven inverted-residual groups are
    arranged in four stages at the HSAKD feature taps: groups 0-1 (32x32),
    group 2 (16x16), groups 3-4 (8x8) and groups 5-6 (4x4). ``post`` is the
    1x1 conv to ``last_channels`` + BN + ReLU.

    Args:
        width_mult (float): Width multiplier. Defaults to 0.5.
        expand_ratio (int): Expansion ratio ``t`` of all but the first
            group. Defaults to 6.
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    # t, c, n, s; t=None means ``expand_ratio``
    arch_settings = [
        [1, 16, 1, 1],
        [None, 24, 2, 1],
        [None, 32, 3, 2],
        [None, 64, 4, 2],
        [None, 96, 3, 1],
        [None, 160, 3, 2],
        [None, 320, 1, 1],
    ]
    stage_groups = [[0, 1], [2], [3, 4], [5, 6]]

    def __init__(
        self,
        width_mult: float = 0.5,
        expand_ratio: int = 6,
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        self.width_mult = width_mult
        self.expand_ratio = expand_ratio
        self.stage_settings = []
        for groups in self.stage_groups:
            stage = []
            for t, c, n, s in (self.arch_settings[g] for g in groups):
                t = expand_ratio if t is None else t
                stage.append([t, int(c * width_mult), n, s])
            self.stage_settings.append(stage)
        self.last_channels = int(1280 * width_mult) if width_mult > 1.0 else 1280

        stem_channels = int(32 * width_mult)
        stage_channels = [cfg[-1][1] for cfg in self.stage_settings]
        self._init_layers(
            conv_bn_relu(3, stem_channels, 3, 1),
            stage_in_channels=[stem_channels] + stage_channels[:-1],
            stage_channels=stage_channels,
            stage_strides=[cfg[0][3] for cfg in self.stage_settings],
            out_channels=self.last_channels,
            out_indices=out_indices,
        )

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        blocks = []
        for i, (t, c, n, s) in enumerate(self.stage_settings[index]):
            strides = [stride if i == 0 else s] + [1] * (n - 1)
            for block_stride in strides:
                blocks.append(InvertedResidual(in_channels, c, block_stride, t))
                in_channels = c
        return nn.Sequential(*blocks)

    def _build_post(self) -> nn.Module:
        return conv_bn_relu(self.stage_channels[-1], self.last_channels, 1)
