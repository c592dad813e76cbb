"""Fresh copies of a backbone's stages, the building block of auxiliary branches.

mmkd's CIFAR backbones implement ``make_stage(index, in_channels=None, stride=None)`` and
``make_post()`` themselves; mmpretrain's ``ResNet`` family (incl. ``ResNet_CIFAR``) is adapted here.
"""

from typing import List

import torch.nn as nn
from mmengine.model.weight_init import constant_init, kaiming_init
from mmpretrain.models.backbones import ResNet


def num_stages(backbone: nn.Module) -> int:
    if isinstance(backbone, ResNet):
        return len(backbone.res_layers)
    return backbone.num_stages


def stage_channels(backbone: nn.Module) -> List[int]:
    """Output channels of every stage (before any post module)."""
    if isinstance(backbone, ResNet):
        return [getattr(backbone, name)[-1].out_channels for name in backbone.res_layers]
    return list(backbone.stage_channels)


def set_out_indices(backbone: nn.Module, indices) -> None:
    """Make ``backbone.forward`` return the raw outputs of stages ``indices`` (branch taps).

    For a backbone with a post module (WRN's BN+ReLU, MobileNetV2's 1x1 conv), the post-processed
    final feature follows as one more element, so ``feats[tap]`` is a raw stage output and
    ``feats[-1]`` is always what the classifier sees.
    """
    backbone.out_indices = tuple(indices)
    if not isinstance(backbone, ResNet):
        backbone.raw_taps = True


def _init_fresh(module: nn.Module) -> nn.Module:
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            kaiming_init(m, mode='fan_out', nonlinearity='relu')
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            constant_init(m, 1, bias=0)
    return module


def make_stage(backbone: nn.Module, index: int, in_channels: int = None, stride: int = None) -> nn.Module:
    """A fresh (independently initialised) module shaped like stage ``index`` of ``backbone``."""
    if not isinstance(backbone, ResNet):
        if not hasattr(backbone, 'make_stage'):
            raise TypeError(
                f'{type(backbone).__name__} cannot grow auxiliary branches: it needs '
                '`make_stage(index, in_channels, stride)` and `make_post()` (see mmkd/models/backbones)'
            )
        return backbone.make_stage(index, in_channels=in_channels, stride=stride)
    channels = stage_channels(backbone)
    default_in = backbone.stem_channels if index == 0 else channels[index - 1]
    layer = backbone.make_res_layer(
        block=backbone.block,
        num_blocks=backbone.stage_blocks[index],
        in_channels=default_in if in_channels is None else in_channels,
        out_channels=channels[index],
        expansion=backbone.expansion,
        stride=backbone.strides[index] if stride is None else stride,
        dilation=backbone.dilations[index],
        style=backbone.style,
        avg_down=backbone.avg_down,
        with_cp=backbone.with_cp,
        conv_cfg=backbone.conv_cfg,
        norm_cfg=backbone.norm_cfg,
    )
    return _init_fresh(layer)


def make_post(backbone: nn.Module) -> nn.Module:
    """A fresh copy of what the backbone applies after its last stage (Identity for ResNets)."""
    if isinstance(backbone, ResNet):
        return nn.Identity()
    return backbone.make_post()


def make_branch_body(backbone: nn.Module, tap: int, stride1_last: bool = True) -> nn.Sequential:
    """The feature extractor of a branch hung after stage ``tap``: copies of stages ``tap+1..L-1``.

    The path input -> branch end then downsamples as often as the backbone. A branch after the last
    stage is one stride-1 copy of the last stage (``stride1_last``, HSSAKD's rule). The backbone's
    post module (e.g. WRN's BN+ReLU) ends every branch.
    """
    total = num_stages(backbone)
    if not 0 <= tap < total:
        raise ValueError(f'branch tap {tap} out of range for a {total}-stage backbone')
    if tap == total - 1:
        if not stride1_last:
            raise ValueError('a branch after the last stage needs stride1_last=True')
        last = stage_channels(backbone)[-1]
        stages = [make_stage(backbone, total - 1, in_channels=last, stride=1)]
    else:
        stages = [make_stage(backbone, i) for i in range(tap + 1, total)]
    return nn.Sequential(*stages, make_post(backbone))
