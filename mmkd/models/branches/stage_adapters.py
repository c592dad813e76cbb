"""How auxiliary branches see each backbone family: its stages, taps, post module and stage copies.

One adapter per family, registered in :data:`STAGE_ADAPTERS` by backbone class; a backbone gets the
adapter of the nearest class in its MRO (``ResNeXt`` and ``SEResNet`` use the ``ResNet`` one, which
builds through the subclass's own ``make_res_layer``). A "stage" is a run of layers at one
resolution; the post module is what the backbone applies after its last stage (a 1x1 conv, a norm)
and it ends every branch. Families that cannot host branches are registered as :class:`Refused`.
"""

import copy
from functools import partial
from typing import Dict, List, Optional, Sequence

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model.weight_init import constant_init, kaiming_init, trunc_normal_init
from mmpretrain.models.backbones import (
    ConvNeXt,
    EfficientNet,
    MobileNetV2,
    MobileNetV3,
    RegNet,
    ResNet,
    ShuffleNetV1,
    ShuffleNetV2,
    SwinTransformer,
    SwinTransformerV2,
    VisionTransformer,
)
from mmpretrain.models.backbones.efficientnet import EdgeResidual
from mmpretrain.models.backbones.mobilenet_v2 import InvertedResidual as MobileNetV2Block
from mmpretrain.models.backbones.regnet import Bottleneck as RegNetBlock
from mmpretrain.models.backbones.shufflenet_v1 import ShuffleUnit
from mmpretrain.models.backbones.shufflenet_v2 import InvertedResidual as ShuffleNetV2Block
from mmpretrain.models.utils import GRN, InvertedResidual, make_divisible


def init_fresh(module: nn.Module) -> nn.Module:
    """Kaiming (fan_out) convs, norms at weight 1 / bias 0: the ResNet-style init of a stage copy."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            kaiming_init(m, mode='fan_out', nonlinearity='relu')
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            constant_init(m, 1, bias=0)
    return module


class StageAdapter:
    """Stages, taps and stage copies of one backbone family (the defaults suit a plain CNN)."""

    def num_stages(self, backbone: nn.Module) -> int:
        raise NotImplementedError

    def stage_channels(self, backbone: nn.Module) -> List[int]:
        """Output channels of every stage (before any post module)."""
        raise NotImplementedError

    def out_channels(self, backbone: nn.Module) -> int:
        """Channels of the final feature (after the post module)."""
        return self.stage_channels(backbone)[-1]

    def stage_modules(self, backbone: nn.Module, index: int) -> List[nn.Module]:
        """The backbone's own modules that make up stage ``index``, in order."""
        raise NotImplementedError

    def set_out_indices(self, backbone: nn.Module, indices: Sequence[int]) -> None:
        raise NotImplementedError

    def make_stage(self, backbone: nn.Module, index: int, in_channels: int = None, stride: int = None) -> nn.Module:
        raise NotImplementedError

    def make_post(self, backbone: nn.Module) -> nn.Module:
        return nn.Identity()


class Refused(StageAdapter):
    """A family that cannot host auxiliary branches; every query raises ``TypeError`` with the reason.

    Args:
        reason (str): why, completing "<Backbone> cannot grow auxiliary branches: ...".
    """

    def __init__(self, reason: str):
        self.reason = reason

    def _refuse(self, backbone: nn.Module, *args, **kwargs):
        raise TypeError(f'{type(backbone).__name__} cannot grow auxiliary branches: {self.reason}')

    num_stages = stage_channels = out_channels = stage_modules = _refuse
    set_out_indices = make_stage = make_post = _refuse


class SelfDescribing(StageAdapter):
    """mmkd's CIFAR zoo (and any backbone not registered): the backbone implements the contract.

    It exposes ``num_stages``, ``stage_channels``, ``out_channels``, ``stages``, ``raw_taps``,
    ``make_stage(index, in_channels, stride)`` and ``make_post()``.
    """

    def num_stages(self, backbone):
        if not hasattr(backbone, 'num_stages'):
            raise TypeError(
                f'{type(backbone).__name__} cannot grow auxiliary branches: mmkd has no stage adapter for it '
                'and it does not describe its stages (`num_stages`, `stage_channels`, `make_stage(index, '
                'in_channels, stride)`, `make_post()`; see mmkd/models/backbones and docs/branches.md)'
            )
        return backbone.num_stages

    def stage_channels(self, backbone):
        return list(backbone.stage_channels)

    def out_channels(self, backbone):
        return getattr(backbone, 'out_channels', None) or self.stage_channels(backbone)[-1]

    def stage_modules(self, backbone, index):
        return [backbone.stages[index]]

    def set_out_indices(self, backbone, indices):
        backbone.out_indices = tuple(indices)
        backbone.raw_taps = True

    def make_stage(self, backbone, index, in_channels=None, stride=None):
        if not hasattr(backbone, 'make_stage'):
            raise TypeError(
                f'{type(backbone).__name__} cannot grow auxiliary branches: it needs '
                '`make_stage(index, in_channels, stride)` and `make_post()` (see mmkd/models/backbones)'
            )
        return backbone.make_stage(index, in_channels=in_channels, stride=stride)

    def make_post(self, backbone):
        return backbone.make_post()


class ResNetStages(StageAdapter):
    """mmpretrain ``ResNet`` and the subclasses that only add block arguments (ResNetV1c/V1d,
    ResNet_CIFAR, ResNeXt, SEResNet, SEResNeXt, Res2Net, ResNeSt): stage ``i`` is ``layer{i+1}``,
    rebuilt by the backbone's own ``make_res_layer`` (which adds groups, se_ratio, scales, ...).
    No post module: ``out_indices`` taps the raw stage outputs."""

    def num_stages(self, backbone):
        return len(backbone.res_layers)

    def stage_channels(self, backbone):
        return [getattr(backbone, name)[-1].out_channels for name in backbone.res_layers]

    def stage_modules(self, backbone, index):
        return [getattr(backbone, backbone.res_layers[index])]

    def set_out_indices(self, backbone, indices):
        backbone.out_indices = tuple(indices)

    def default_in_channels(self, backbone, index: int) -> int:
        return backbone.stem_channels if index == 0 else self.stage_channels(backbone)[index - 1]

    def layer_args(self, backbone, index: int) -> dict:
        """The ``make_res_layer`` arguments of stage ``index`` besides channels and stride."""
        return dict(
            block=backbone.block,
            num_blocks=backbone.stage_blocks[index],
            out_channels=self.stage_channels(backbone)[index],
            expansion=backbone.expansion,
        )

    def make_stage(self, backbone, index, in_channels=None, stride=None):
        layer = backbone.make_res_layer(
            **self.layer_args(backbone, index),
            in_channels=self.default_in_channels(backbone, index) if in_channels is None else in_channels,
            stride=backbone.strides[index] if stride is None else stride,
            dilation=backbone.dilations[index],
            style=backbone.style,
            avg_down=backbone.avg_down,
            with_cp=backbone.with_cp,
            conv_cfg=backbone.conv_cfg,
            norm_cfg=backbone.norm_cfg,
        )
        return init_fresh(layer)


class RegNetStages(ResNetStages):
    """mmpretrain ``RegNet``: ResNeXt bottlenecks with a width, group count and group width per stage."""

    def layer_args(self, backbone, index):
        width = backbone.stage_widths[index]
        group_width = backbone.group_widths[index]
        return dict(
            block=RegNetBlock,
            num_blocks=backbone.stage_blocks[index],
            out_channels=width,
            expansion=1,
            base_channels=width,
            groups=int(round(width * backbone.bottleneck_ratio[index])) // group_width,
            width_per_group=group_width,
        )


class LayerListStages(StageAdapter):
    """Backbones that run a flat list of layers indexed by ``out_indices``, the post module included
    (MobileNets, ShuffleNets, EfficientNet). Stages group the block layers by resolution: a stage
    starts at each layer that downsamples. ``set_out_indices`` requests the last layer of every
    tapped stage, then (when the last stage is tapped) the post layer, so the forward returns the
    raw stage outputs and the post-processed final feature last.

    A family describes its block layers ``0..n-1``: ``layer_index`` (its position for
    ``out_indices``), ``layer_stride``, ``layer_channels``, ``first_in_channels``, ``build_layer``;
    and its post module: ``post_index`` (``None`` without one) and ``build_post``.
    """

    def num_layers(self, backbone) -> int:
        raise NotImplementedError

    def layer_index(self, backbone, j: int) -> int:
        raise NotImplementedError

    def layer_module(self, backbone, j: int) -> nn.Module:
        raise NotImplementedError

    def layer_stride(self, backbone, j: int) -> int:
        raise NotImplementedError

    def layer_channels(self, backbone, j: int) -> int:
        raise NotImplementedError

    def first_in_channels(self, backbone) -> int:
        raise NotImplementedError

    def build_layer(self, backbone, j: int, in_channels: int, stride: int) -> nn.Module:
        raise NotImplementedError

    def post_index(self, backbone) -> Optional[int]:
        return None

    def groups(self, backbone) -> List[List[int]]:
        """Block-layer indices of every stage."""
        groups = []
        for j in range(self.num_layers(backbone)):
            if not groups or self.layer_stride(backbone, j) != 1:
                groups.append([])
            groups[-1].append(j)
        return groups

    def num_stages(self, backbone):
        return len(self.groups(backbone))

    def stage_channels(self, backbone):
        return [self.layer_channels(backbone, g[-1]) for g in self.groups(backbone)]

    def stage_modules(self, backbone, index):
        return [self.layer_module(backbone, j) for j in self.groups(backbone)[index]]

    def set_out_indices(self, backbone, indices):
        groups = self.groups(backbone)
        stages = sorted({i % len(groups) for i in indices})
        out = [self.layer_index(backbone, groups[i][-1]) for i in stages]
        post = self.post_index(backbone)
        if post is not None and stages[-1] == len(groups) - 1:
            out.append(post)
        backbone.out_indices = tuple(out)

    def in_channels_of(self, backbone, j: int) -> int:
        return self.first_in_channels(backbone) if j == 0 else self.layer_channels(backbone, j - 1)

    def make_stage(self, backbone, index, in_channels=None, stride=None):
        first, *rest = self.groups(backbone)[index]
        in_channels = self.in_channels_of(backbone, first) if in_channels is None else in_channels
        stride = self.layer_stride(backbone, first) if stride is None else stride
        layers = [self.build_layer(backbone, first, in_channels, stride)]
        layers += [self.build_layer(backbone, j, self.in_channels_of(backbone, j), 1) for j in rest]
        return init_fresh(nn.Sequential(*layers))

    def make_post(self, backbone):
        if self.post_index(backbone) is None:
            return nn.Identity()
        return init_fresh(self.build_post(backbone))

    def build_post(self, backbone) -> nn.Module:
        raise NotImplementedError


def _conv1x1(backbone, in_channels: int, out_channels: int, act_cfg: dict) -> ConvModule:
    return ConvModule(
        in_channels, out_channels, 1, conv_cfg=backbone.conv_cfg, norm_cfg=backbone.norm_cfg, act_cfg=act_cfg
    )


class MobileNetV2Stages(LayerListStages):
    """mmpretrain ``MobileNetV2``: ``layer1..layer7`` (out indices 0-6), post ``conv2`` (index 7)."""

    def num_layers(self, backbone):
        return len(backbone.arch_settings)

    def layer_index(self, backbone, j):
        return j

    def layer_module(self, backbone, j):
        return getattr(backbone, f'layer{j + 1}')

    def layer_stride(self, backbone, j):
        return backbone.arch_settings[j][3]

    def layer_channels(self, backbone, j):
        return make_divisible(backbone.arch_settings[j][1] * backbone.widen_factor, 8)

    def first_in_channels(self, backbone):
        return make_divisible(32 * backbone.widen_factor, 8)

    def build_layer(self, backbone, j, in_channels, stride):
        expand_ratio, _, num_blocks, _ = backbone.arch_settings[j]
        out_channels = self.layer_channels(backbone, j)
        blocks = []
        for k in range(num_blocks):
            blocks.append(
                MobileNetV2Block(
                    in_channels if k == 0 else out_channels,
                    out_channels,
                    stride if k == 0 else 1,
                    expand_ratio=expand_ratio,
                    conv_cfg=backbone.conv_cfg,
                    norm_cfg=backbone.norm_cfg,
                    act_cfg=backbone.act_cfg,
                    with_cp=backbone.with_cp,
                )
            )
        return nn.Sequential(*blocks)

    def post_index(self, backbone):
        return len(backbone.arch_settings)

    def out_channels(self, backbone):
        return backbone.out_channel

    def build_post(self, backbone):
        return _conv1x1(backbone, self.stage_channels(backbone)[-1], backbone.out_channel, backbone.act_cfg)


class MobileNetV3Stages(LayerListStages):
    """mmpretrain ``MobileNetV3``: stem ``layer0``, one inverted residual per ``layer1..layerN``
    (out index = the number), post = the last 1x1 conv ``layer{N+1}``."""

    def settings(self, backbone) -> list:
        return backbone.arch_settings[backbone.arch]

    def num_layers(self, backbone):
        return len(self.settings(backbone))

    def layer_index(self, backbone, j):
        return j + 1

    def layer_module(self, backbone, j):
        return getattr(backbone, f'layer{j + 1}')

    def layer_stride(self, backbone, j):
        return self.settings(backbone)[j][5]

    def layer_channels(self, backbone, j):
        return self.settings(backbone)[j][2]

    def first_in_channels(self, backbone):
        return getattr(backbone, 'layer0').conv.out_channels

    def build_layer(self, backbone, j, in_channels, stride):
        kernel_size, mid_channels, out_channels, with_se, act, _ = self.settings(backbone)[j]
        se_cfg = None
        if with_se:
            se_cfg = dict(
                channels=mid_channels,
                ratio=4,
                act_cfg=(dict(type='ReLU'), dict(type='HSigmoid', bias=3, divisor=6, min_value=0, max_value=1)),
            )
        return InvertedResidual(
            in_channels=in_channels,
            out_channels=out_channels,
            mid_channels=mid_channels,
            kernel_size=kernel_size,
            stride=stride,
            se_cfg=se_cfg,
            conv_cfg=backbone.conv_cfg,
            norm_cfg=backbone.norm_cfg,
            act_cfg=dict(type=act),
            with_cp=backbone.with_cp,
        )

    def post_index(self, backbone):
        return self.num_layers(backbone) + 1

    def out_channels(self, backbone):
        return self.settings(backbone)[-1][1]

    def build_post(self, backbone):
        in_channels = self.stage_channels(backbone)[-1]
        return _conv1x1(backbone, in_channels, self.out_channels(backbone), dict(type='HSwish'))


class _ShuffleNetStages(LayerListStages):
    """mmpretrain ``ShuffleNetV1`` / ``ShuffleNetV2``: a ``conv1`` stem, then ``layers[j]`` at position ``j`` of
    ``out_indices``, each block layer a stage opened at stride 2."""

    def layer_index(self, backbone, j):
        return j

    def layer_module(self, backbone, j):
        return backbone.layers[j]

    def layer_stride(self, backbone, j):
        return 2

    def first_in_channels(self, backbone):
        return backbone.conv1.conv.out_channels


class ShuffleNetV1Stages(_ShuffleNetStages):
    """mmpretrain ``ShuffleNetV1``: ``layers[0..2]``, each opened by a stride-2 concat unit; no post.

    A stride-1 copy opens with an ``add`` unit instead, which needs ``in_channels == out_channels``.
    """

    def num_layers(self, backbone):
        return len(backbone.layers)

    def layer_channels(self, backbone, j):
        return backbone.layers[j][-1].out_channels

    def build_layer(self, backbone, j, in_channels, stride):
        out_channels = self.layer_channels(backbone, j)
        if stride not in (1, 2) or (stride == 1 and in_channels != out_channels):
            raise ValueError(
                f'a ShuffleNetV1 stage opens with a stride-2 concat unit or a stride-1 add unit '
                f'(in_channels == out_channels), got stride {stride} and {in_channels} -> {out_channels} channels'
            )
        units = []
        for k in range(len(backbone.layers[j])):
            opens = k == 0 and stride == 2
            units.append(
                ShuffleUnit(
                    in_channels if k == 0 else out_channels,
                    out_channels,
                    groups=backbone.groups,
                    first_block=j == 0 and k == 0,
                    combine='concat' if opens else 'add',
                    conv_cfg=backbone.conv_cfg,
                    norm_cfg=backbone.norm_cfg,
                    act_cfg=backbone.act_cfg,
                    with_cp=backbone.with_cp,
                )
            )
        return nn.Sequential(*units)


class ShuffleNetV2Stages(_ShuffleNetStages):
    """mmpretrain ``ShuffleNetV2``: ``layers[0..2]`` (stride-2 first block), post ``layers[3]`` (1x1 conv)."""

    def num_layers(self, backbone):
        return len(backbone.layers) - 1

    def layer_channels(self, backbone, j):
        # a block concatenates two branches of equal width
        return 2 * backbone.layers[j][-1].branch2[-1].conv.out_channels

    def build_layer(self, backbone, j, in_channels, stride):
        out_channels = self.layer_channels(backbone, j)
        blocks = []
        for k in range(len(backbone.layers[j])):
            blocks.append(
                ShuffleNetV2Block(
                    in_channels=in_channels if k == 0 else out_channels,
                    out_channels=out_channels,
                    stride=stride if k == 0 else 1,
                    conv_cfg=backbone.conv_cfg,
                    norm_cfg=backbone.norm_cfg,
                    act_cfg=backbone.act_cfg,
                    with_cp=backbone.with_cp,
                )
            )
        return nn.Sequential(*blocks)

    def post_index(self, backbone):
        return len(backbone.layers) - 1

    def out_channels(self, backbone):
        return backbone.layers[-1].conv.out_channels

    def build_post(self, backbone):
        return _conv1x1(backbone, self.stage_channels(backbone)[-1], self.out_channels(backbone), backbone.act_cfg)


class EfficientNetStages(LayerListStages):
    """mmpretrain ``EfficientNet`` (b*, l2 and EdgeTPU e*): stem ``layers[0]``, one block row per
    ``layers[1..n]``, post = the final conv ``layers[-1]``. Rows are rebuilt from the scaled
    ``layer_setting`` as ``EfficientNet.make_layer`` builds them, drop-path rates included."""

    def rows(self, backbone) -> list:
        return backbone.layer_setting[1:-1]

    def num_layers(self, backbone):
        return len(self.rows(backbone))

    def layer_index(self, backbone, j):
        return j + 1

    def layer_module(self, backbone, j):
        return backbone.layers[j + 1]

    def layer_stride(self, backbone, j):
        return self.rows(backbone)[j][0][3]

    def layer_channels(self, backbone, j):
        return make_divisible(self.rows(backbone)[j][-1][1], 8)

    def first_in_channels(self, backbone):
        return make_divisible(backbone.layer_setting[0][0][1], 8)

    def drop_path_rates(self, backbone, j: int) -> List[float]:
        rows = self.rows(backbone)
        total = sum(len(r) for r in rows)
        start = sum(len(r) for r in rows[:j])
        rate = backbone.drop_path_rate
        return [rate * i / (total - 1) if total > 1 else 0.0 for i in range(start, start + len(rows[j]))]

    def se_cfg(self, backbone, mid_channels: int, se_ratio: float, expand_ratio: float) -> Optional[dict]:
        if se_ratio <= 0:
            return None
        return dict(
            channels=mid_channels,
            ratio=expand_ratio * se_ratio,
            divisor=1,
            act_cfg=(backbone.act_cfg, dict(type='Sigmoid')),
        )

    def build_layer(self, backbone, j, in_channels, stride):
        blocks = []
        for i, (cfg, dpr) in enumerate(zip(self.rows(backbone)[j], self.drop_path_rates(backbone, j))):
            kernel_size, out_channels, se_ratio, block_stride, expand_ratio, block_type = cfg
            out_channels = make_divisible(out_channels, 8)
            block = InvertedResidual
            if block_type == 1:  # EdgeTPU: a fused expansion; a non-first x3 row loses its shortcut
                with_residual = not (i > 0 and expand_ratio == 3)
                expand_ratio = expand_ratio if with_residual else 4
                block = partial(EdgeResidual, with_residual=with_residual)
            mid_channels = int(in_channels * expand_ratio)
            blocks.append(
                block(
                    in_channels=in_channels,
                    out_channels=out_channels,
                    mid_channels=mid_channels,
                    kernel_size=kernel_size,
                    stride=stride if i == 0 else block_stride,
                    se_cfg=self.se_cfg(backbone, mid_channels, se_ratio, expand_ratio),
                    conv_cfg=backbone.conv_cfg,
                    norm_cfg=backbone.norm_cfg,
                    act_cfg=backbone.act_cfg,
                    drop_path_rate=dpr,
                    with_cp=backbone.with_cp,
                )
            )
            in_channels = out_channels
        return nn.Sequential(*blocks)

    def post_index(self, backbone):
        return len(backbone.layers) - 1

    def out_channels(self, backbone):
        return backbone.out_channels

    def build_post(self, backbone):
        kernel_size, _, _, stride, _, _ = backbone.layer_setting[-1][0]
        return ConvModule(
            self.stage_channels(backbone)[-1],
            backbone.out_channels,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            conv_cfg=backbone.conv_cfg,
            norm_cfg=backbone.norm_cfg,
            act_cfg=backbone.act_cfg,
        )


def _init_convnext(module: nn.Module) -> nn.Module:
    """ConvNeXt's own init: truncated normal (std 0.02) convs and linears, norms at 1 / 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            trunc_normal_init(m, std=0.02, bias=0.0)
        elif isinstance(m, nn.LayerNorm):
            constant_init(m, 1, bias=0)
        elif isinstance(m, GRN):
            nn.init.zeros_(m.gamma)
            nn.init.zeros_(m.beta)
    for p in module.parameters():
        p.requires_grad_(True)  # a copy of a frozen stage still trains
    return module


class ConvNeXtStages(StageAdapter):
    """mmpretrain ``ConvNeXt`` built with ``gap_before_final_norm=False`` and only the last stage
    in ``out_indices`` (so it has one norm, ``norm3``, the post module).

    Stage ``i`` = ``downsample_layers[i]`` (LN + 2x2 stride-2 conv; for ``i = 0`` the stem, which
    is not part of the stage) + ``stages[i]``. Blocks keep their width, so a copy is a deep copy of
    the backbone's blocks with the weights drawn again (the layer scale keeps the value the
    backbone holds when the branches are built: its initial value). mmpretrain applies the norm in
    place of the raw last output, so the tap after the last stage is the normed final feature.
    """

    def check(self, backbone) -> None:
        last = len(backbone.stages) - 1
        if backbone.gap_before_final_norm:
            raise TypeError(
                'ConvNeXt cannot grow auxiliary branches with gap_before_final_norm=True: it returns '
                'globally pooled vectors, not the feature maps branches start from; build it with '
                'gap_before_final_norm=False and add a GlobalAveragePooling neck to the classifier'
            )
        norms = [getattr(backbone, f'norm{i}', None) for i in range(last + 1)]
        real = [i for i, n in enumerate(norms) if n is not None and not isinstance(n, nn.Identity)]
        if real != [last]:
            raise TypeError(
                f'ConvNeXt cannot grow auxiliary branches with out_indices={list(backbone.out_indices)}: '
                f'every requested stage gets its own norm, so build it with out_indices=({last},) '
                'and the branches tap the raw outputs of the earlier stages'
            )

    def num_stages(self, backbone):
        self.check(backbone)
        return len(backbone.stages)

    def stage_channels(self, backbone):
        self.check(backbone)
        return list(backbone.channels[: len(backbone.stages)])

    def stage_modules(self, backbone, index):
        return ([backbone.downsample_layers[index]] if index else []) + [backbone.stages[index]]

    def set_out_indices(self, backbone, indices):
        channels = self.stage_channels(backbone)
        taps = sorted({i % len(channels) for i in indices})
        for i in taps[:-1] if taps[-1] == len(channels) - 1 else taps:
            setattr(backbone, f'norm{i}', nn.Identity())  # parameter-free: the state dict is unchanged
        backbone.out_indices = taps

    def make_stage(self, backbone, index, in_channels=None, stride=None):
        channels = self.stage_channels(backbone)
        default_in = channels[index - 1] if index else channels[0]
        in_channels = default_in if in_channels is None else in_channels
        stride = (2 if index else 1) if stride is None else stride
        blocks = copy.deepcopy(backbone.stages[index])
        if stride == 1 and in_channels == channels[index]:
            return _init_convnext(blocks)
        if stride != 2:
            raise ValueError(
                f'a ConvNeXt stage changes width only in its 2x2 stride-2 downsampling layer, got stride '
                f'{stride} and {in_channels} -> {channels[index]} channels'
            )
        template = backbone.downsample_layers[max(index, 1)][0]
        downsample = nn.Sequential(
            type(template)(in_channels, eps=template.eps), nn.Conv2d(in_channels, channels[index], 2, stride=2)
        )
        return _init_convnext(nn.Sequential(downsample, *blocks))

    def make_post(self, backbone):
        return _init_convnext(copy.deepcopy(getattr(backbone, f'norm{len(backbone.stages) - 1}')))


_TOKENS = (
    'its blocks work on token sequences, and auxiliary branches are copies of convolutional stages '
    'that map (N, C, H, W) feature maps to the final feature map; use a CNN backbone'
)

STAGE_ADAPTERS: Dict[type, StageAdapter] = {
    ResNet: ResNetStages(),
    RegNet: RegNetStages(),
    MobileNetV2: MobileNetV2Stages(),
    MobileNetV3: MobileNetV3Stages(),
    ShuffleNetV1: ShuffleNetV1Stages(),
    ShuffleNetV2: ShuffleNetV2Stages(),
    EfficientNet: EfficientNetStages(),
    ConvNeXt: ConvNeXtStages(),
    VisionTransformer: Refused(
        'it has no stages (every block keeps one token grid, so there is no downsampling for a branch to '
        f'repeat) and returns class tokens; {_TOKENS}'
    ),
    SwinTransformer: Refused(f'its stages take token sequences plus a (H, W) side input, not feature maps; {_TOKENS}'),
    SwinTransformerV2: Refused(
        f'its stages take token sequences plus a (H, W) side input, not feature maps; {_TOKENS}'
    ),
}
"""Backbone class -> adapter; a backbone gets the entry of the nearest class in its MRO."""

SELF_DESCRIBING = SelfDescribing()


def stage_adapter(backbone: nn.Module) -> StageAdapter:
    """The adapter for ``backbone`` (mmkd's own backbones describe themselves)."""
    for cls in type(backbone).__mro__:
        if cls in STAGE_ADAPTERS:
            return STAGE_ADAPTERS[cls]
    return SELF_DESCRIBING
