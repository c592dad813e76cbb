from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS

from .resnet_cifar import BasicBlock, Bottleneck, CIFARBackbone, conv3x3_bn_relu_stem, stack_blocks


class SELayer(nn.Module):
    """Squeeze-and-excitation: GAP, ``C -> C / r -> C`` (linear, no bias), sigmoid channel scale.

    Args:
        channels (int): Channels.
        reduction (int): Reduction ratio ``r`` (the hidden width is at least 1).
    """

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc = nn.Sequential(
            nn.Linear(channels, hidden, bias=False),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, channels, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.fc(x.mean((2, 3)))[..., None, None]


class _SEResidual:
    """Mixin over a :class:`BasicBlock` / :class:`Bottleneck`: its residual is rescaled by an :class:`SELayer`
    (reduction ``reduction``, the block's output channels) before the addition."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        mid_channels: Optional[int] = None,
        reduction: int = 16,
    ):
        super().__init__(in_channels, out_channels, stride, mid_channels)
        self.se = SELayer(out_channels, reduction)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        return self.se(super().residual(x))


class SEBasicBlock(_SEResidual, BasicBlock):
    """:class:`BasicBlock` whose residual is rescaled by an :class:`SELayer` before the addition.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the first conv. Defaults to 1.
        mid_channels (int, optional): Unused, kept for a common signature.
        reduction (int): SE reduction ratio. Defaults to 16.
    """


class SEBottleneck(_SEResidual, Bottleneck):
    """:class:`Bottleneck` whose residual is rescaled by an :class:`SELayer` before the addition.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels (``4 * planes``).
        stride (int): Stride of the 3x3 conv. Defaults to 1.
        mid_channels (int, optional): Channels of the 3x3 conv. Defaults to ``out_channels // 4``.
        reduction (int): SE reduction ratio. Defaults to 16.
    """


@MODELS.register_module()
class CIFARSEResNet(CIFARBackbone):
    """SE-ResNet for CIFAR (Hu et al., "Squeeze-and-Excitation Networks", CVPR 2018).

    The CIFAR ResNet of :class:`CIFARResNet` (3x3 conv stem with 16 channels, three stages of 16/32/64
    planes with strides 1/2/2, projection shortcuts) with an SE layer (reduction 16) on every block's
    residual. SE-ResNet-110 (the default: 18 basic blocks per stage) has, with a 100-class linear
    classifier, 1.75M parameters (ResNet-110's 1.74M plus 12K in the SE layers).

    Args:
        depth (int): Network depth, ``6n+2`` (basic) or ``9n+2`` (bottleneck). Defaults to 110.
        block (str): 'basic' or 'bottleneck' (expansion 4). Defaults to 'basic'.
        reduction (int): SE reduction ratio. Defaults to 16.
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    # block: (class, expansion, layers per block)
    block_types = {'basic': (SEBasicBlock, 1, 6), 'bottleneck': (SEBottleneck, 4, 9)}

    def __init__(
        self,
        depth: int = 110,
        block: str = 'basic',
        reduction: int = 16,
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if block not in self.block_types:
            raise KeyError(f'Unknown block "{block}", choose from {sorted(self.block_types)}.')
        self.block_cls, expansion, layers_per_block = self.block_types[block]
        if depth < layers_per_block + 2 or (depth - 2) % layers_per_block != 0:
            raise ValueError(f'depth of a {block} CIFARSEResNet must be {layers_per_block}n+2, got {depth}.')
        self.depth = depth
        self.block = block
        self.reduction = reduction
        self.num_blocks = (depth - 2) // layers_per_block

        stem_channels = 16
        stage_channels = [16 * 2**i * expansion for i in range(3)]
        self._init_chained_layers(conv3x3_bn_relu_stem(stem_channels), stem_channels, stage_channels, out_indices)

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        return stack_blocks(
            self.block_cls, self.num_blocks, in_channels, self.stage_channels[index], stride, reduction=self.reduction
        )
