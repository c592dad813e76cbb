"""Fresh copies of a backbone's stages, the building block of auxiliary branches.

mmkd's CIFAR backbones implement ``make_stage(index, in_channels=None, stride=None)`` and
``make_post()`` themselves; mmpretrain's CNN families (ResNet and its subclasses, RegNet,
MobileNetV2/V3, ShuffleNetV1/V2, EfficientNet, ConvNeXt) are adapted in :mod:`.stage_adapters`,
which also names the families that cannot host branches and why (see docs/branches.md).
"""

from typing import List

import torch.nn as nn

from .stage_adapters import stage_adapter


def num_stages(backbone: nn.Module) -> int:
    return stage_adapter(backbone).num_stages(backbone)


def stage_channels(backbone: nn.Module) -> List[int]:
    """Output channels of every stage (before any post module)."""
    return stage_adapter(backbone).stage_channels(backbone)


def out_channels(backbone: nn.Module) -> int:
    """Channels of the backbone's final feature (after its post module, if any)."""
    return stage_adapter(backbone).out_channels(backbone)


def set_out_indices(backbone: nn.Module, indices) -> None:
    """Make ``backbone.forward`` return the raw outputs of stages ``indices`` (branch taps).

    For a backbone with a post module (WRN's BN+ReLU, MobileNetV2's 1x1 conv), the post-processed
    final feature follows as one more element, so ``feats[tap]`` is a raw stage output and
    ``feats[-1]`` is always what the classifier sees.
    """
    stage_adapter(backbone).set_out_indices(backbone, indices)


def make_stage(backbone: nn.Module, index: int, in_channels: int = None, stride: int = None) -> nn.Module:
    """A fresh (independently initialised) module shaped like stage ``index`` of ``backbone``."""
    return stage_adapter(backbone).make_stage(backbone, index, in_channels=in_channels, stride=stride)


def make_post(backbone: nn.Module) -> nn.Module:
    """A fresh copy of what the backbone applies after its last stage (Identity for ResNets)."""
    return stage_adapter(backbone).make_post(backbone)


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
