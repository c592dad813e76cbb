"""Check, before any training step, that a backbone checkpoint really fits the detector / segmentor.

mmengine's ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')`` loads with
``strict=False``: missing, unexpected and mis-shaped keys are only logged, and the backbone silently
keeps its random init. :func:`check_backbone_checkpoint` refuses such a checkpoint with a message that
says what to do, and :class:`BackboneLoadCheckHook` runs it at the start of ``runner.train()``, before
the weights are initialised.
"""

import os.path as osp
import re
from typing import Dict, Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from mmkd.utils.checkpoint import safe_load_checkpoint

__all__ = ['BackboneCheckpointError', 'check_backbone_checkpoint', 'pretrained_init_cfg', 'BackboneLoadCheckHook']

DISTILLER_PREFIXES = ('student.', 'peers.', 'teacher.')
# Backbones of the CIFAR KD zoo (mmkd/models/backbones) and mmpretrain's ResNet_CIFAR.
CIFAR_BACKBONES = (
    'CIFARResNet',
    'WideResNet',
    'CIFARVGG',
    'CIFARMobileNetV2',
    'CIFARShuffleNetV1',
    'CIFARShuffleNetV2',
    'ResNet_CIFAR',
)
CIFAR_HINT = (
    'CIFAR backbones are not transferable to detection/segmentation: they are built for 32x32 '
    'inputs (3x3 stem, no max-pool, 3 stages for most) and do not match the ImageNet-style ResNet '
    'that mmdet/mmseg build. Distil an ImageNet-style student (mmpretrain ResNet, 7x7 stem) and '
    'export that one.'
)
# (block type, blocks per stage) -> ResNet depth, as in mmpretrain / mmdet / mmseg arch_settings.
RESNET_DEPTHS = {
    ('BasicBlock', (2, 2, 2, 2)): 18,
    ('BasicBlock', (3, 4, 6, 3)): 34,
    ('Bottleneck', (3, 4, 6, 3)): 50,
    ('Bottleneck', (3, 4, 23, 3)): 101,
    ('Bottleneck', (3, 8, 36, 3)): 152,
}


class BackboneCheckpointError(ValueError):
    """A backbone checkpoint that does not fit the backbone the config builds."""


def pretrained_init_cfg(backbone: nn.Module) -> Optional[dict]:
    """The ``type='Pretrained'`` entry of ``backbone.init_cfg`` (a dict or a list), or None."""
    init_cfg = getattr(backbone, 'init_cfg', None)
    for cfg in init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]:
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            return cfg
    return None


def _preview(keys: Sequence[str], n: int = 8) -> str:
    keys = list(keys)
    more = f' ... (+{len(keys) - n} more)' if len(keys) > n else ''
    return ', '.join(keys[:n]) + more


def _declared_backbone_type(meta: dict) -> Optional[str]:
    """The backbone type a checkpoint's meta names (``backbone_type``, or the training config text)."""
    if isinstance(meta.get('backbone_type'), str):
        return meta['backbone_type'].split('.')[-1]  # drop a scope ('mmkd.WideResNet')
    cfg_text = meta.get('cfg')
    if isinstance(cfg_text, str):
        found = {t.split('.')[-1] for t in re.findall(r"backbone\s*=\s*dict\(\s*type\s*=\s*'([^']+)'", cfg_text)}
        if len(found) == 1:  # a single-network config; with several backbones we cannot tell which one
            return found.pop()
    return None


def _resnet_layout(keys: Sequence[str]) -> Optional[Tuple[str, Tuple[int, ...]]]:
    """(block type, blocks per stage) of a ResNet state dict, from its ``layerI.J.`` keys."""
    blocks: Dict[int, set] = {}
    for key in keys:
        m = re.match(r'layer(\d+)\.(\d+)\.', key)
        if m:
            blocks.setdefault(int(m.group(1)), set()).add(int(m.group(2)))
    if not blocks:
        return None
    block = 'Bottleneck' if any(re.match(r'layer\d+\.\d+\.conv3\.', k) for k in keys) else 'BasicBlock'
    return block, tuple(len(blocks[i]) for i in sorted(blocks))


def _describe(layout: Optional[Tuple[str, Tuple[int, ...]]]) -> str:
    if layout is None:
        return 'an unknown layout'
    depth = RESNET_DEPTHS.get(layout)
    name = f'ResNet-{depth}' if depth else 'a ResNet'
    return f'{name} ({layout[0]}, blocks per stage {layout[1]})'


def _cifar_reason(ckpt_sd: dict, model_sd: dict, meta: dict) -> Optional[str]:
    declared = _declared_backbone_type(meta)
    if declared and any(declared.startswith(name) for name in CIFAR_BACKBONES):
        return f'the checkpoint meta names its backbone {declared!r}'
    if any(k.startswith(('stem.', 'stages.', 'post.')) for k in ckpt_sd) and not any(
        k.startswith(('stem.', 'stages.')) for k in model_sd
    ):
        return (
            "its keys follow the mmkd CIFAR zoo layout ('stem.*', 'stages.*', 'post.*'), e.g. "
            f'{_preview(sorted(ckpt_sd), 3)}'
        )
    stem, want = ckpt_sd.get('conv1.weight'), model_sd.get('conv1.weight')
    if (
        stem is not None
        and want is not None
        and stem.dim() == 4
        and tuple(stem.shape[-2:]) == (3, 3)
        and tuple(want.shape[-2:]) != (3, 3)
    ):
        return (
            f'its stem conv1.weight is {tuple(stem.shape)} (a 3x3 CIFAR stem) where the backbone '
            f'expects {tuple(want.shape)}'
        )
    return None


def check_backbone_checkpoint(
    backbone: nn.Module, checkpoint: str, prefix: Optional[str] = 'backbone.', max_keys: int = 8
) -> dict:
    """Raise :class:`BackboneCheckpointError` unless ``checkpoint`` fits ``backbone`` exactly.

    "Fits" means zero missing, zero unexpected and zero mis-shaped keys between the checkpoint's
    ``prefix`` entries and ``backbone.state_dict()``. The error names the cause: an un-exported
    distiller checkpoint, a CIFAR backbone, a ResNet of another depth, or the keys at fault.

    Args:
        backbone (nn.Module): the built backbone (weights are not touched).
        checkpoint (str): path (or mmengine URL) of the checkpoint.
        prefix (str, optional): key prefix of the backbone in the checkpoint, as in the
            ``Pretrained`` init_cfg. None means the whole checkpoint is the backbone.
        max_keys (int): how many keys each list in the message shows.

    Returns:
        dict: ``num_tensors`` loaded and the ``checkpoint`` path, for logging.
    """
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise BackboneCheckpointError(
            f'backbone checkpoint {checkpoint!r} does not exist. Export a student with '
            '`python tools/export_student.py WORK_DIR/epoch_N.pth OUT.pth` and pass it with '
            '`--cfg-options student_checkpoint=OUT.pth` (or model.backbone.init_cfg.checkpoint=OUT.pth).'
        )
    state = safe_load_checkpoint(checkpoint, map_location='cpu')  # any scheme, weights_only=True
    state_dict = state.get('state_dict', state) if isinstance(state, dict) else {}
    meta = state.get('meta') if isinstance(state, dict) and isinstance(state.get('meta'), dict) else {}
    keys = [k for k in state_dict if isinstance(k, str)]
    where = f'backbone checkpoint {checkpoint}'

    distiller = sorted({k.split('.')[0] + '.*' for k in keys if k.startswith(DISTILLER_PREFIXES)})
    if distiller:
        raise BackboneCheckpointError(
            f'{where} is an un-exported distiller checkpoint (keys {", ".join(distiller)}): export it with '
            f'tools/export_student.py first, e.g. `python tools/export_student.py {checkpoint} student.pth` '
            '(add `--peer K` for online methods), then pass '
            '`--cfg-options model.backbone.init_cfg.checkpoint=student.pth`.'
        )

    if prefix:
        prefix = prefix if prefix.endswith('.') else prefix + '.'
        ckpt_sd = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
        if not ckpt_sd:
            bare = any(k.startswith(('conv1.', 'layer1.', 'stem.', 'stages.')) for k in keys)
            hint = " It looks like a bare backbone state dict: set model.backbone.init_cfg.prefix=None." if bare else ''
            raise BackboneCheckpointError(
                f'{where} holds no {prefix!r} keys (found e.g. {_preview(sorted(keys), 5)}).{hint}'
            )
    else:
        ckpt_sd = dict(state_dict)
    model_sd = backbone.state_dict()

    cifar = _cifar_reason(ckpt_sd, model_sd, meta)
    if cifar:
        raise BackboneCheckpointError(f'{where}: {CIFAR_HINT} (Detected because {cifar}.)')

    missing = [k for k in model_sd if k not in ckpt_sd]
    unexpected = [k for k in ckpt_sd if k not in model_sd]
    mis_shaped = [
        f'{k}: checkpoint {tuple(ckpt_sd[k].shape)} vs backbone {tuple(v.shape)}'
        for k, v in model_sd.items()
        if k in ckpt_sd and hasattr(ckpt_sd[k], 'shape') and tuple(ckpt_sd[k].shape) != tuple(v.shape)
    ]
    if missing or unexpected or mis_shaped:
        lines = [
            f'{where} does not fit the {type(backbone).__name__} backbone of the config '
            '(loading it would leave those weights at their random init):'
        ]
        have, want = _resnet_layout(list(ckpt_sd)), _resnet_layout(list(model_sd))
        if have and want and have != want:
            lines.append(
                f'  the checkpoint holds {_describe(have)} but the config builds {_describe(want)}; '
                'use the config of the matching depth (model.backbone.depth and the neck/head '
                'in_channels) or export the student of that depth.'
            )
        for name, items in (('missing', missing), ('unexpected', unexpected), ('mis-shaped', mis_shaped)):
            if items:
                lines.append(f'  {len(items)} {name} keys: {_preview(items, max_keys)}')
        raise BackboneCheckpointError('\n'.join(lines))
    return dict(checkpoint=checkpoint, num_tensors=len(ckpt_sd))


class BackboneLoadCheckHook(Hook):
    """Run :func:`check_backbone_checkpoint` when training starts, before weights are initialised.

    ``Runner.train()`` calls ``before_run`` right before ``init_weights()``, so a checkpoint that
    does not fit stops the run before anything is loaded or trained. ``Runner.test()`` / ``val()``
    load a full checkpoint instead, so the hook does nothing there.

    Args:
        require_pretrained (bool): raise when the backbone has no ``Pretrained`` init_cfg (a transfer
            run that would start from random weights). Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, require_pretrained: bool = True):
        self.require_pretrained = require_pretrained
        self.result = None

    def before_run(self, runner) -> None:
        if not isinstance(runner._train_loop, BaseLoop):  # val / test: weights come from load_from
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        backbone = getattr(model, 'backbone', None)
        if backbone is None:
            raise BackboneCheckpointError(f'BackboneLoadCheckHook: {type(model).__name__} has no backbone')
        init_cfg = pretrained_init_cfg(backbone)
        if init_cfg is None or not init_cfg.get('checkpoint'):
            msg = (
                "model.backbone.init_cfg is not dict(type='Pretrained', checkpoint=...): the backbone "
                'would start from random weights. Pass the exported student with '
                '`--cfg-options model.backbone.init_cfg.checkpoint=PATH`.'
            )
            if self.require_pretrained:
                raise BackboneCheckpointError(msg)
            runner.logger.warning(msg)
            return
        self.result = check_backbone_checkpoint(backbone, init_cfg['checkpoint'], init_cfg.get('prefix'))
        runner.logger.info(
            f'BackboneLoadCheckHook: {init_cfg["checkpoint"]} fits the '
            f'{type(backbone).__name__} backbone ({self.result["num_tensors"]} tensors, '
            '0 missing, 0 unexpected, 0 mis-shaped keys)'
        )
