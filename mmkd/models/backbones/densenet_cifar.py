from collections import OrderedDict
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS

from .resnet_cifar import CIFARBackbone


class DenseLayer(nn.Module):
    """BN-ReLU-Conv3x3 adding ``growth_rate`` maps to its input (concat).

    Args:
        in_channels (int): Input channels.
        growth_rate (int): Channels the layer adds (``k``).
        drop_rate (float): Dropout rate after the conv. Defaults to 0.
    """

    def __init__(self, in_channels: int, growth_rate: int, drop_rate: float = 0.0):
        super().__init__()
        self.bn = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_channels, growth_rate, 3, 1, 1, bias=False)
        self.drop_rate = drop_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(self.relu(self.bn(x)))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return torch.cat([x, out], dim=1)


class DenseBlock(nn.Sequential):
    """``num_layers`` :class:`DenseLayer` s; the output has
    ``in_channels + num_layers * growth_rate`` channels.

    Args:
        in_channels (int): Input channels.
        num_layers (int): Number of dense layers.
        growth_rate (int): Channels each layer adds.
        drop_rate (float): Dropout rate inside the layers. Defaults to 0.
    """

    def __init__(self, in_channels: int, num_layers: int, growth_rate: int, drop_rate: float = 0.0):
        super().__init__(
            *[DenseLayer(in_channels + i * growth_rate, growth_rate, drop_rate) for i in range(num_layers)]
        )
        self.out_channels = in_channels + num_layers * growth_rate


class Transition(nn.Sequential):
    """BN-ReLU-Conv1x1, then a 2x2 average pool (stride 2) if ``downsample``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        downsample (bool): Whether to halve the resolution. Defaults to True.
    """

    def __init__(self, in_channels: int, out_channels: int, downsample: bool = True):
        layers = [
            ('bn', nn.BatchNorm2d(in_channels)),
            ('relu', nn.ReLU(inplace=True)),
            ('conv', nn.Conv2d(in_channels, out_channels, 1, bias=False)),
        ]
        if downsample:
            layers.append(('pool', nn.AvgPool2d(2, 2)))
        super().__init__(OrderedDict(layers))


@MODELS.register_module()
class CIFARDenseNet(CIFARBackbone):
    """DenseNet for CIFAR (Huang et al. 2017, the basic non-bottleneck one).

    A 3x3 conv stem, three dense blocks of ``(depth - 4) / 3`` BN-ReLU-Conv3x3
    layers (growth rate ``k``) joined by transitions without compression
    (BN-ReLU-Conv1x1 + 2x2 average pool), and a final BN + ReLU as ``post``.
    DenseNet-40-12 (the default) has 16 -> 160 -> 304 -> 448 channels and,
    with a 100-class linear classifier, ~1.06M parameters (MixSKD's
    "DenseNet-40, 1.1M").

    The stages are ``[block 1]``, ``[transition 1, block 2]`` and
    ``[transition 2, block 3]``, so their strides are 1/2/2 and every stage
    is rebuilt alone by :meth:`make_stage`. A transition's conv always maps
    to the width its block receives in the backbone, so a stage's output
    width does not depend on ``in_channels``; ``stride=1`` drops the
    transition's pool. The first stage has no transition: it only accepts
    its backbone input width and stride 1.

    Args:
        depth (int): Network depth, ``3n+4`` (stem, ``3n`` dense layers,
            two transitions, classifier). Defaults to 40.
        growth_rate (int): Growth rate ``k``. Defaults to 12.
        stem_channels (int): Stem output channels. Defaults to 16.
        drop_rate (float): Dropout rate after every dense layer's conv.
            Defaults to 0 (the paper's setting with data augmentation).
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(
        self,
        depth: int = 40,
        growth_rate: int = 12,
        stem_channels: int = 16,
        drop_rate: float = 0.0,
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if depth < 7 or (depth - 4) % 3 != 0:
            raise ValueError(f'depth of a CIFARDenseNet must be 3n+4 with n >= 1, got {depth}.')
        if growth_rate < 1 or stem_channels < 1:
            raise ValueError(f'growth_rate and stem_channels must be positive, got {growth_rate} and {stem_channels}.')
        self.depth = depth
        self.growth_rate = growth_rate
        self.drop_rate = drop_rate
        self.num_layers = (depth - 4) // 3

        stage_in_channels, stage_channels = [], []
        channels = stem_channels
        for _ in range(3):
            stage_in_channels.append(channels)
            channels += self.num_layers * growth_rate
            stage_channels.append(channels)
        self._init_layers(
            nn.Conv2d(3, stem_channels, 3, 1, 1, bias=False),
            stage_in_channels=stage_in_channels,
            stage_channels=stage_channels,
            stage_strides=[1, 2, 2],
            out_channels=stage_channels[-1],
            out_indices=out_indices,
        )

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        block_in = self.stage_in_channels[index]
        layers = []
        if index == 0:
            if in_channels != block_in or stride != 1:
                raise ValueError(
                    f'stage 0 of CIFARDenseNet has no transition: it takes '
                    f'in_channels={block_in} and stride=1, got '
                    f'in_channels={in_channels}, stride={stride}.'
                )
        else:
            if stride not in (1, 2):
                raise ValueError(f'stride of CIFARDenseNet stage {index} must be 1 or 2, got {stride}.')
            layers.append(('transition', Transition(in_channels, block_in, stride == 2)))
        layers.append(('block', DenseBlock(block_in, self.num_layers, self.growth_rate, self.drop_rate)))
        return nn.Sequential(OrderedDict(layers))

    def _build_post(self) -> nn.Module:
        return nn.Sequential(nn.BatchNorm2d(self.stage_channels[-1]), nn.ReLU(inplace=True))
