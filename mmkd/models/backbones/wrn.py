from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS

from .resnet_cifar import CIFARBackbone, stack_blocks


class PreActBlock(nn.Module):
    """Pre-activation basic block of WideResNet.

    As in the reference implementation, when a projection shortcut is used it
    takes the pre-activated input.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the first conv. Defaults to 1.
        drop_rate (float): Dropout rate between the convs. Defaults to 0.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, drop_rate: float = 0.0):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.drop_rate = drop_rate
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.bn1(x))
        identity = x if self.shortcut is None else self.shortcut(out)
        out = self.relu2(self.bn2(self.conv1(out)))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        out = self.conv2(out)
        return out + identity


@MODELS.register_module()
class WideResNet(CIFARBackbone):
    """Pre-activation WideResNet for CIFAR (CRD / RepDistiller definition).

    A 3x3 conv stem with 16 channels, three stages of ``(depth - 4) / 6``
    blocks with ``16k/32k/64k`` channels and strides 1/2/2, and a final
    BN + ReLU as ``post``.

    Args:
        depth (int): Network depth, ``6n+4``. Defaults to 40.
        widen_factor (int): Width multiplier ``k``. Defaults to 2.
        drop_rate (float): Dropout rate inside the blocks. Defaults to 0.
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(
        self,
        depth: int = 40,
        widen_factor: int = 2,
        drop_rate: float = 0.0,
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        assert (depth - 4) % 6 == 0, f'depth must be 6n+4, got {depth}.'
        self.depth = depth
        self.widen_factor = widen_factor
        self.drop_rate = drop_rate
        self.num_blocks = (depth - 4) // 6

        stage_channels = [c * widen_factor for c in (16, 32, 64)]
        self._init_chained_layers(nn.Conv2d(3, 16, 3, 1, 1, bias=False), 16, stage_channels, out_indices)

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        return stack_blocks(
            PreActBlock, self.num_blocks, in_channels, self.stage_channels[index], stride, self.drop_rate
        )

    def _build_post(self) -> nn.Module:
        return nn.Sequential(nn.BatchNorm2d(self.stage_channels[-1]), nn.ReLU(inplace=True))
