from typing import Callable, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from mmkd.registry import MODELS


def init_conv_bn(module: nn.Module) -> nn.Module:
    """Initialize convs with Kaiming normal (fan_out) and norms with 1/0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) and m.affine:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return module


class CIFARBackbone(BaseBackbone):
    """Base class of the CIFAR (32x32) backbones of the KD benchmark.

    A backbone is ``stem -> stages[0] -> ... -> stages[L-1] -> post``. The
    stem is not a stage and ``post`` (``nn.Identity`` if the family has none)
    is only applied to the last stage's output, so the last returned feature
    is exactly what global average pooling and the linear classifier see.

    Subclasses call :meth:`_init_layers` once their configuration is set and
    implement :meth:`_build_stage` (and :meth:`_build_post` if needed).

    Attributes:
        num_stages (int): Number of stages.
        stage_in_channels (list[int]): Input channels of each stage.
        stage_channels (list[int]): Output channels of each stage (before
            ``post``).
        stage_strides (list[int]): Spatial stride of each stage.
        out_channels (int): Channels of the final feature (after ``post``).
        out_indices (tuple[int]): Non-negative indices of the output stages.
        raw_taps (bool): when True, every requested stage output is the raw
            one and, if the last stage is requested, the ``post`` output is
            appended as one more element (set by ``set_out_indices`` for
            auxiliary branches, which tap the raw stage outputs).
    """

    raw_taps = False

    def _init_layers(
        self,
        stem: nn.Module,
        stage_in_channels: Sequence[int],
        stage_channels: Sequence[int],
        stage_strides: Sequence[int],
        out_channels: int,
        out_indices: Union[int, Sequence[int]],
    ) -> None:
        self.stage_in_channels = list(stage_in_channels)
        self.stage_channels = list(stage_channels)
        self.stage_strides = list(stage_strides)
        self.num_stages = len(self.stage_channels)
        self.out_channels = out_channels
        self.out_indices = self._parse_out_indices(out_indices)

        self.stem = stem
        self.stages = nn.ModuleList(
            [self._build_stage(i, self.stage_in_channels[i], self.stage_strides[i]) for i in range(self.num_stages)]
        )
        self.post = self._build_post()
        init_conv_bn(self)

    def _init_chained_layers(
        self,
        stem: nn.Module,
        stem_channels: int,
        stage_channels: Sequence[int],
        out_indices: Union[int, Sequence[int]],
        stage_strides: Sequence[int] = (1, 2, 2),
    ) -> None:
        """:meth:`_init_layers` for stages that each read the one before (stage 0 the stem's
        ``stem_channels``); the final feature has the last stage's channels."""
        self._init_layers(
            stem,
            stage_in_channels=[stem_channels] + list(stage_channels[:-1]),
            stage_channels=stage_channels,
            stage_strides=stage_strides,
            out_channels=stage_channels[-1],
            out_indices=out_indices,
        )

    def _parse_out_indices(self, out_indices: Union[int, Sequence[int]]) -> tuple:
        if isinstance(out_indices, int):
            out_indices = [out_indices]
        assert isinstance(out_indices, Sequence) and len(out_indices) > 0, (
            f'"out_indices" must be an int or a non-empty sequence, got {out_indices}.'
        )
        indices = []
        for index in out_indices:
            indices.append(self._parse_index(index))
        return tuple(sorted(set(indices)))

    def _parse_index(self, index: int) -> int:
        if not -self.num_stages <= index < self.num_stages:
            raise IndexError(f'Stage index {index} is out of range for {self.num_stages} stages.')
        return index % self.num_stages

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        raise NotImplementedError

    def _build_post(self) -> nn.Module:
        return nn.Identity()

    def make_stage(self, index: int, in_channels: Optional[int] = None, stride: Optional[int] = None) -> nn.Module:
        """Build a freshly initialized copy of stage ``index``.

        Args:
            index (int): Stage index, negative values allowed.
            in_channels (int, optional): Input channels. Defaults to the
                channels the stage receives in the backbone.
            stride (int, optional): Stride of the stage's downsampling.
                Defaults to the stage's stride in the backbone.
        """
        index = self._parse_index(index)
        if in_channels is None:
            in_channels = self.stage_in_channels[index]
        if stride is None:
            stride = self.stage_strides[index]
        return init_conv_bn(self._build_stage(index, in_channels, stride))

    def make_post(self) -> nn.Module:
        """Build a freshly initialized copy of the post module."""
        return init_conv_bn(self._build_post())

    def train(self, mode: bool = True) -> 'CIFARBackbone':
        super().train(mode)
        return self

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.stem(x)
        outs = []
        for i in range(self.out_indices[-1] + 1):
            x = self.stages[i](x)
            last = i == self.num_stages - 1
            if self.raw_taps and i in self.out_indices:
                outs.append(x)
            if last:
                x = self.post(x)
                if self.raw_taps and not isinstance(self.post, nn.Identity):
                    outs.append(x)
            if not self.raw_taps and i in self.out_indices:
                outs.append(x)
        return tuple(outs)


def conv1x1_bn(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False), nn.BatchNorm2d(out_channels))


def conv3x3_bn_relu_stem(channels: int) -> nn.Sequential:
    """The CIFAR ResNets' stem: a 3x3 conv (stride 1) from RGB to ``channels``, BN and ReLU."""
    return nn.Sequential(nn.Conv2d(3, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(inplace=True))


def stack_blocks(
    block: Callable[..., nn.Module], num_blocks: int, in_channels: int, out_channels: int, stride: int, *args, **kwargs
) -> nn.Sequential:
    """A stage of ``num_blocks`` blocks: the first ``block(in_channels, out_channels, stride, *args, **kwargs)``,
    the others ``block(out_channels, out_channels, 1, *args, **kwargs)``."""
    blocks = [block(in_channels, out_channels, stride, *args, **kwargs)]
    for _ in range(1, num_blocks):
        blocks.append(block(out_channels, out_channels, 1, *args, **kwargs))
    return nn.Sequential(*blocks)


class _ResidualBlock(nn.Module):
    """``relu(residual(x) + shortcut(x))``; the shortcut is the identity, or a 1x1 conv + BN
    (``downsample``) where the stride or the channels change. Subclasses define :meth:`residual`."""

    def _init_shortcut(self, in_channels: int, out_channels: int, stride: int) -> None:
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = conv1x1_bn(in_channels, out_channels, stride)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(self.residual(x) + identity)


class BasicBlock(_ResidualBlock):
    """Post-activation basic block of the CIFAR ResNets.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the first conv. Defaults to 1.
        mid_channels (int, optional): Unused, kept for a common signature.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, mid_channels: Optional[int] = None):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self._init_shortcut(in_channels, out_channels, stride)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return self.bn2(self.conv2(out))


class Bottleneck(_ResidualBlock):
    """Bottleneck block (1x1 -> 3x3 -> 1x1) of the CIFAR ResNets.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels (``4 * planes``).
        stride (int): Stride of the 3x3 conv. Defaults to 1.
        mid_channels (int, optional): Channels of the 3x3 conv. Defaults to
            ``out_channels // 4``.
        groups (int): Groups of the 3x3 conv (ResNeXt's cardinality). Defaults to 1.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        mid_channels: Optional[int] = None,
        groups: int = 1,
    ):
        super().__init__()
        mid_channels = mid_channels or out_channels // 4
        self.conv1 = nn.Conv2d(in_channels, mid_channels, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid_channels)
        self.conv2 = nn.Conv2d(mid_channels, mid_channels, 3, stride, 1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(mid_channels)
        self.conv3 = nn.Conv2d(mid_channels, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self._init_shortcut(in_channels, out_channels, stride)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.bn3(self.conv3(out))


@MODELS.register_module()
class CIFARResNet(CIFARBackbone):
    """ResNet for CIFAR (CRD / RepDistiller and OKDDip definitions).

    A 3x3 conv stem (stride 1) and three stages of strides 1/2/2 with
    ``base_channels * 2**i`` planes. Basic blocks give ``6n+2`` layers;
    bottleneck blocks (expansion 4, ResNeXt-style width
    ``planes * width_per_group / 64``) give ``9n+2`` layers.

    Args:
        arch (str, optional): One of :attr:`arch_zoo`. Mutually exclusive
            with ``depth``.
        depth (int, optional): Network depth, used with the arguments below
            when ``arch`` is None.
        block (str): 'basic' or 'bottleneck'. Defaults to 'basic'.
        stem_channels (int): Stem output channels. Defaults to 16.
        base_channels (int): Planes of the first stage. Defaults to 16.
        width_per_group (int): Bottleneck base width. Defaults to 64.
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    arch_zoo = {
        **{f'resnet{d}': dict(depth=d) for d in (8, 14, 20, 32, 44, 56, 110)},
        'resnet8x4': dict(depth=8, stem_channels=32, base_channels=64),
        'resnet32x4': dict(depth=32, stem_channels=32, base_channels=64),
        'resnet56_bottleneck': dict(depth=56, block='bottleneck'),
        'resnet110_bottleneck': dict(depth=110, block='bottleneck'),
        'wrn20_8_bottleneck': dict(depth=20, block='bottleneck', width_per_group=512),
    }
    # block: (class, expansion, layers per block)
    block_types = {'basic': (BasicBlock, 1, 6), 'bottleneck': (Bottleneck, 4, 9)}

    def __init__(
        self,
        arch: Optional[str] = None,
        depth: Optional[int] = None,
        block: str = 'basic',
        stem_channels: int = 16,
        base_channels: int = 16,
        width_per_group: int = 64,
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if (arch is None) == (depth is None):
            raise ValueError('Specify exactly one of "arch" and "depth".')
        if arch is not None:
            if arch not in self.arch_zoo:
                raise KeyError(f'Unknown arch "{arch}", choose from {sorted(self.arch_zoo)}.')
            cfg = dict(block='basic', stem_channels=16, base_channels=16, width_per_group=64)
            cfg.update(self.arch_zoo[arch])
            depth, block = cfg['depth'], cfg['block']
            stem_channels = cfg['stem_channels']
            base_channels = cfg['base_channels']
            width_per_group = cfg['width_per_group']
        if block not in self.block_types:
            raise KeyError(f'Unknown block "{block}".')
        self.arch = arch
        self.depth = depth
        self.block = block
        self.block_cls, expansion, layers_per_block = self.block_types[block]
        assert (depth - 2) % layers_per_block == 0, (
            f'depth of a {block} CIFAR ResNet must be {layers_per_block}n+2, got {depth}.'
        )
        self.num_blocks = (depth - 2) // layers_per_block

        planes = [base_channels * 2**i for i in range(3)]
        self.stage_mid_channels = [int(p * width_per_group / 64) for p in planes]
        stage_channels = [p * expansion for p in planes]
        self._init_chained_layers(conv3x3_bn_relu_stem(stem_channels), stem_channels, stage_channels, out_indices)

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        return stack_blocks(
            self.block_cls,
            self.num_blocks,
            in_channels,
            self.stage_channels[index],
            stride,
            self.stage_mid_channels[index],
        )
