from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS

from .resnet_cifar import CIFARBackbone, conv1x1_bn


class PyramidShortcut(nn.Module):
    """PyramidNet's parameter-free shortcut: 2x2 average pool when strided, zero-padded channels.

    A shortcut to fewer channels than its input (only met by a stage copy fed a wider input than in
    the backbone, e.g. a branch after the last stage) cannot be zero-padded and is a 1x1 conv + BN.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Spatial stride (1 or 2).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.pad = out_channels - in_channels
        self.pool = nn.AvgPool2d(2, 2, ceil_mode=True) if stride != 1 else None
        self.proj = conv1x1_bn(in_channels, out_channels) if self.pad < 0 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pool is not None:
            x = self.pool(x)
        if self.proj is not None:
            return self.proj(x)
        return F.pad(x, (0, 0, 0, 0, 0, self.pad)) if self.pad > 0 else x


class PyramidBasicBlock(nn.Module):
    """BN-Conv3x3-BN-ReLU-Conv3x3-BN residual (no ReLU after the addition).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the first conv. Defaults to 1.
    """

    expansion = 1

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.residual = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.shortcut = PyramidShortcut(in_channels, out_channels, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.residual(x) + self.shortcut(x)


class PyramidBottleneck(nn.Module):
    """BN-Conv1x1-BN-ReLU-Conv3x3-BN-ReLU-Conv1x1-BN residual with ``4 * planes`` outputs.

    Args:
        in_channels (int): Input channels.
        planes (int): Channels of the 1x1 and 3x3 convs (the output has ``4 * planes``).
        stride (int): Stride of the 3x3 conv. Defaults to 1.
    """

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int = 1):
        super().__init__()
        out_channels = planes * self.expansion
        self.residual = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.Conv2d(in_channels, planes, 1, bias=False),
            nn.BatchNorm2d(planes),
            nn.ReLU(inplace=True),
            nn.Conv2d(planes, planes, 3, stride, 1, bias=False),
            nn.BatchNorm2d(planes),
            nn.ReLU(inplace=True),
            nn.Conv2d(planes, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.shortcut = PyramidShortcut(in_channels, out_channels, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.residual(x) + self.shortcut(x)


@MODELS.register_module()
class CIFARPyramidNet(CIFARBackbone):
    """PyramidNet for CIFAR (Han et al., "Deep Pyramidal Residual Networks", CVPR 2017).

    A 3x3 conv + BN stem with 16 channels (no ReLU) and three stages of strides 1/2/2 whose ``3n``
    blocks widen linearly from 16 to ``16 + alpha`` planes: block ``k`` has
    ``floor(16 + k * alpha / 3n)`` planes (times 4 outputs for bottlenecks). Shortcuts are
    parameter-free (2x2 average pool, zero-padded channels); a final BN + ReLU is ``post``.

    PyramidNet-110 with ``alpha=84`` and basic blocks (the default, 18 per stage) has
    16 -> 44 -> 72 -> 100 channels and, with a 100-class linear classifier, 3.86M parameters (the
    paper's 3.8M; its alpha=48 network has 1.75M, the paper's 1.7M). Rounding the widths instead of
    truncating them, as some ports do, gives 3.91M and 1.78M. The bottleneck PyramidNet-110 (12 blocks
    per stage, 400-d output) has 2.54M.

    Args:
        depth (int): Network depth, ``6n+2`` (basic) or ``9n+2`` (bottleneck). Defaults to 110.
        alpha (int): Total widening of the planes. Defaults to 84.
        block (str): 'basic' or 'bottleneck'. Defaults to 'basic'.
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    # block: (class, layers per block)
    block_types = {'basic': (PyramidBasicBlock, 6), 'bottleneck': (PyramidBottleneck, 9)}

    def __init__(
        self,
        depth: int = 110,
        alpha: int = 84,
        block: str = 'basic',
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if block not in self.block_types:
            raise KeyError(f'Unknown block "{block}", choose from {sorted(self.block_types)}.')
        self.block_cls, layers_per_block = self.block_types[block]
        if depth < layers_per_block + 2 or (depth - 2) % layers_per_block != 0:
            raise ValueError(f'depth of a {block} CIFARPyramidNet must be {layers_per_block}n+2, got {depth}.')
        self.depth = depth
        self.alpha = alpha
        self.block = block
        self.num_blocks = (depth - 2) // layers_per_block

        # block k (1-based, over all 3n blocks) has floor(16 + k * alpha / 3n) planes, in exact integer arithmetic
        total = 3 * self.num_blocks
        self.stage_planes = [
            [16 + alpha * (s * self.num_blocks + i + 1) // total for i in range(self.num_blocks)] for s in range(3)
        ]
        expansion = self.block_cls.expansion
        stage_channels = [planes[-1] * expansion for planes in self.stage_planes]
        stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16))  # no ReLU
        self._init_chained_layers(stem, 16, stage_channels, out_indices)

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        blocks, channels = [], in_channels
        for i, planes in enumerate(self.stage_planes[index]):
            blocks.append(self.block_cls(channels, planes, stride if i == 0 else 1))
            channels = planes * self.block_cls.expansion
        return nn.Sequential(*blocks)

    def _build_post(self) -> nn.Module:
        return nn.Sequential(nn.BatchNorm2d(self.stage_channels[-1]), nn.ReLU(inplace=True))
