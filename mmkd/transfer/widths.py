"""Derive the widths of a detector / segmentor from the student it starts from.

A transfer config names the exported student with one top-level ``student_checkpoint`` (or gives one
``student_width``, the ResNet ``base_channels``: 16 for the demo's width-1/4 ResNet-18, 64 for a
standard one). :func:`apply_student_widths` then writes every width that depends on it: the
backbone's ``depth`` / ``base_channels`` / ``stem_channels``, the FPN ``in_channels`` and width, the
RPN and RoI heads (every stage of a Cascade R-CNN), and the DeepLab decode / auxiliary heads.

The widths are read from the tensors of the checkpoint the backbone will load (``backbone.conv1``
and ``backbone.layer1.0.conv1`` give the stem and base widths, the ``layerI.J`` keys the depth), so
any export works, also one whose meta records nothing. The heads scale with the base width as the
standard configs do: FPN and RoI-extractor channels ``4 * base`` (256 at base 64), the box head's
fully connected width ``16 * base`` (1024), the DeepLab heads a quarter of their input width
(512 / 256 for ResNet-50, 128 / 64 for ResNet-18).

mmpretrain's ``MobileNetV2`` and ``ShuffleNetV2`` (``type='mmpretrain.MobileNetV2'`` / ``'mmpretrain.ShuffleNetV2'``
in an mmdet / mmseg config) are read the same way (:class:`MobileWidths`): the ``widen_factor`` and the output
channels of every out_index come from the tensors (MobileNetV2: the last block of ``layer1`` .. ``layer7`` and
``conv2``; ShuffleNetV2: the last unit of ``layers.0`` .. ``layers.2`` and ``layers.3``). The backbone gets the
``widen_factor``, the neck / heads the channels of the configured ``out_indices``, and the FPN / RoI width is
mmdet's 256 scaled by the widen factor (a multiple of 8), the box head's fully connected width 4 times that.
"""

import logging
import os.path as osp
import re
from typing import NamedTuple, Optional, Sequence, Tuple

from mmengine.logging import print_log

__all__ = [
    'StudentWidths',
    'MobileWidths',
    'read_student_widths',
    'read_backbone_widths',
    'mobile_stage_channels',
    'apply_student_widths',
    'wants_student_widths',
]

# ResNet depth -> block expansion (BasicBlock 1, Bottleneck 4)
RESNET_ARCH = {18: 1, 34: 1, 50: 4, 101: 4, 152: 4}
# mmpretrain MobileNetV2.arch_settings: (expand ratio, channels, blocks, stride) of layer1 .. layer7
MOBILENETV2_ARCH = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
# mmpretrain ShuffleNetV2: widen_factor -> channels of layers.0, .1, .2 and the final 1x1 conv (layers.3)
SHUFFLENETV2_ARCH = {
    0.5: (48, 96, 192, 1024),
    1.0: (116, 232, 464, 1024),
    1.5: (176, 352, 704, 1024),
    2.0: (244, 488, 976, 2048),
}
MOBILE_BACKBONES = ('MobileNetV2', 'ShuffleNetV2')


def _make_divisible(value: float, divisor: int = 8, min_ratio: float = 0.9) -> int:
    """mmpretrain.models.utils.make_divisible (min_value = divisor)."""
    new_value = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return new_value + divisor if new_value < min_ratio * value else new_value


def mobile_stage_channels(kind: str, widen_factor: float) -> Tuple[int, ...]:
    """Output channels of every out_index of mmpretrain's ``MobileNetV2`` (8) or ``ShuffleNetV2`` (4)."""
    if kind == 'MobileNetV2':
        last = int(1280 * widen_factor) if widen_factor > 1.0 else 1280
        return tuple(_make_divisible(c * widen_factor) for _, c, _, _ in MOBILENETV2_ARCH) + (last,)
    if kind == 'ShuffleNetV2':
        if float(widen_factor) not in SHUFFLENETV2_ARCH:
            raise ValueError(
                f'ShuffleNetV2 widen_factor must be one of {sorted(SHUFFLENETV2_ARCH)}, got {widen_factor}'
            )
        return SHUFFLENETV2_ARCH[float(widen_factor)]
    raise ValueError(f'not a MobileNetV2 / ShuffleNetV2: {kind!r}')


class MobileWidths(NamedTuple):
    """``widen_factor`` and per-out_index channels of an mmpretrain ``MobileNetV2`` / ``ShuffleNetV2``."""

    kind: str
    widen_factor: float
    stage_channels: Tuple[int, ...]

    @property
    def fpn(self) -> int:
        """FPN / RoI width: mmdet's 256 scaled by the widen factor (128 at 0.5)."""
        return _make_divisible(256 * self.widen_factor)


class StudentWidths(NamedTuple):
    """Depth, ``base_channels`` and ``stem_channels`` of a ResNet student."""

    depth: int
    base: int
    stem: int

    @property
    def stage_channels(self) -> Tuple[int, ...]:
        """Output channels of the 4 stages: ``expansion * base * 2**i``."""
        if self.depth not in RESNET_ARCH:
            raise ValueError(f'model.backbone.depth={self.depth} is not a ResNet depth {sorted(RESNET_ARCH)}')
        expansion = RESNET_ARCH[self.depth]
        return tuple(expansion * self.base * 2**i for i in range(4))


def wants_student_widths(cfg) -> bool:
    """Whether ``cfg`` asks for derived widths (a top-level ``student_checkpoint`` or ``student_width``)."""
    return cfg.get('student_checkpoint') is not None or cfg.get('student_width') is not None


def read_student_widths(checkpoint: str, prefix: str = 'backbone.') -> Optional[StudentWidths]:
    """The ResNet widths of the ``prefix`` tensors of ``checkpoint``; None when they are not a ResNet's.

    Args:
        checkpoint (str): an exported student (or any checkpoint holding ``backbone.*`` tensors,
            e.g. a trained detector).
        prefix (str): key prefix of the backbone.
    """
    return _resnet_widths(_backbone_state(checkpoint, prefix))


def _resnet_widths(sd: dict) -> Optional[StudentWidths]:
    from .checks import RESNET_DEPTHS, _resnet_layout

    stem, first = sd.get('conv1.weight'), sd.get('layer1.0.conv1.weight')
    layout = _resnet_layout(list(sd))
    depth = RESNET_DEPTHS.get(layout) if layout else None
    if stem is None or first is None or depth is None or stem.dim() != 4:
        return None
    return StudentWidths(depth, int(first.shape[0]), int(stem.shape[0]))


def _backbone_state(checkpoint: str, prefix: str) -> dict:
    from mmengine.runner.checkpoint import _load_checkpoint

    state = _load_checkpoint(checkpoint, map_location='cpu')
    state_dict = state.get('state_dict', state) if isinstance(state, dict) else {}
    return {k[len(prefix) :]: v for k, v in state_dict.items() if isinstance(k, str) and k.startswith(prefix)}


def _last_block_out(sd: dict, stage: str) -> Optional[int]:
    """Output channels of the last block of ``stage`` (e.g. 'layer3', 'layers.1'): the output conv of the
    block with the highest index (MobileNetV2 ``conv.N.conv``, ShuffleNetV2 ``branch2.2.conv``)."""
    blocks = {}
    for key, value in sd.items():
        m = re.match(re.escape(stage) + r'\.(\d+)\.(.+)\.weight$', key)
        if m and getattr(value, 'dim', lambda: 0)() == 4:
            blocks.setdefault(int(m.group(1)), []).append((m.group(2), value))
    if not blocks:
        return None
    convs = blocks[max(blocks)]
    if stage.startswith('layers.'):  # ShuffleNetV2 unit: concat of branch1 (or the identity half) and branch2
        branch2 = [v for name, v in convs if name.startswith('branch2.')]
        return 2 * int(branch2[-1].shape[0]) if branch2 else None
    return int(convs[-1][1].shape[0])  # MobileNetV2: the last (linear 1x1) conv of the block


def _widen_factor(kind: str, channels: Tuple[int, ...]) -> Optional[float]:
    """The widen_factor whose mmpretrain layout gives ``channels`` (two decimals, smallest first)."""
    candidates = sorted(SHUFFLENETV2_ARCH) if kind == 'ShuffleNetV2' else [k / 100 for k in range(5, 401)]
    preferred = (0.25, 0.35, 0.5, 0.75, 1.0, 1.3, 1.4, 1.5, 2.0)  # the usual ones win ties
    for w in [p for p in preferred if p in candidates] + candidates:
        if mobile_stage_channels(kind, w) == tuple(channels):
            return w
    return None


def read_backbone_widths(checkpoint: str, prefix: str = 'backbone.'):
    """:class:`StudentWidths` (ResNet) or :class:`MobileWidths` (mmpretrain MobileNetV2 / ShuffleNetV2) of the
    ``prefix`` tensors of ``checkpoint``; None for any other layout."""
    sd = _backbone_state(checkpoint, prefix)
    if 'layer7.0.conv.0.conv.weight' in sd and 'conv2.conv.weight' in sd:  # MobileNetV2
        channels = tuple(_last_block_out(sd, f'layer{i}') for i in range(1, 8)) + (
            int(sd['conv2.conv.weight'].shape[0]),
        )
        kind = 'MobileNetV2'
    elif 'layers.0.0.branch1.0.conv.weight' in sd and 'layers.3.conv.weight' in sd:  # ShuffleNetV2
        channels = tuple(_last_block_out(sd, f'layers.{i}') for i in range(3)) + (
            int(sd['layers.3.conv.weight'].shape[0]),
        )
        kind = 'ShuffleNetV2'
    else:
        return _resnet_widths(sd)
    if None in channels:
        return None
    widen = _widen_factor(kind, channels)
    return MobileWidths(kind, widen, channels) if widen is not None else None


def _set(node, key: str, value) -> None:
    if isinstance(node, dict) and key in node:
        node[key] = value


def _pick(channels: Sequence[int], index):
    return [channels[i] for i in index] if isinstance(index, (list, tuple)) else channels[index]


def _apply(model, widths) -> None:
    backbone = model['backbone']
    if isinstance(widths, MobileWidths):
        backbone['widen_factor'] = widths.widen_factor
        stages, fpn, fc = widths.stage_channels, widths.fpn, 4 * widths.fpn
        default_indices = (7,) if widths.kind == 'MobileNetV2' else (3,)  # mmpretrain's defaults
    else:
        backbone.update(depth=widths.depth, base_channels=widths.base, stem_channels=widths.stem)
        stages, fpn, fc = widths.stage_channels, 4 * widths.base, 16 * widths.base
        default_indices = (0, 1, 2, 3)
    out_indices = backbone.get('out_indices', default_indices)
    neck = model.get('neck')
    if isinstance(neck, dict) and isinstance(neck.get('in_channels'), (list, tuple)):
        neck['in_channels'] = [stages[i] for i in out_indices]
        _set(neck, 'out_channels', fpn)
    rpn = model.get('rpn_head')
    for key in ('in_channels', 'feat_channels'):
        _set(rpn, key, fpn)
        _set(model.get('bbox_head'), key, fpn)  # single-stage detectors
    roi = model.get('roi_head')
    if isinstance(roi, dict):
        for extractor in ('bbox_roi_extractor', 'mask_roi_extractor'):
            for node in roi.get(extractor) if isinstance(roi.get(extractor), list) else [roi.get(extractor)]:
                _set(node, 'out_channels', fpn)
        heads = roi.get('bbox_head')
        for head in heads if isinstance(heads, list) else [heads]:  # Cascade R-CNN: one per stage
            if isinstance(head, dict):  # set even where the head's defaults (256, 1024) would apply
                head.update(in_channels=fpn, fc_out_channels=fc)
        if isinstance(roi.get('mask_head'), dict):
            roi['mask_head'].update(in_channels=fpn, conv_out_channels=fpn)
    # mmseg heads index the backbone's outputs: a ResNet returns its 4 stages (out_indices (0, 1, 2, 3)),
    # a MobileNetV2 / ShuffleNetV2 only its out_indices
    outputs = stages if not isinstance(widths, MobileWidths) else [stages[i] for i in out_indices]
    for name in ('decode_head', 'auxiliary_head'):
        heads = model.get(name)
        for head in heads if isinstance(heads, list) else [heads]:
            if isinstance(head, dict) and 'in_channels' in head:
                head['in_channels'] = _pick(outputs, head.get('in_index', -1))
                widest = max(head['in_channels']) if isinstance(head['in_channels'], list) else head['in_channels']
                _set(head, 'channels', widest // 4)


def _backbone_kind(backbone: dict) -> str:
    kind = backbone.get('type', 'ResNet')
    return kind.split('.')[-1] if isinstance(kind, str) else 'ResNet'


def apply_student_widths(cfg, checkpoint: Optional[str] = None) -> None:
    """Finalise step: set every student-dependent width of ``cfg.model`` (in place).

    The backbone loads ``model.backbone.init_cfg.checkpoint`` when it is set, else
    ``student_checkpoint`` (written into the init_cfg here). The widths come from that file's
    tensors when it exists; else from ``student_width`` (base = stem width) and the configured
    ``model.backbone.depth``; else from the backbone as configured (a standard ResNet: 64; a
    MobileNetV2 / ShuffleNetV2: its ``widen_factor``, default 1.0).

    Args:
        cfg (Config): a transfer config (``model.backbone`` an mmdet / mmseg ResNet, or
            ``mmpretrain.MobileNetV2`` / ``mmpretrain.ShuffleNetV2``).
        checkpoint (str, optional): read the widths from this checkpoint's ``backbone.*`` tensors
            instead, e.g. the trained detector that tools/test.py evaluates.
    """
    model = cfg.get('model')
    if not isinstance(model, dict) or not isinstance(model.get('backbone'), dict):
        raise ValueError(
            'student_checkpoint / student_width are set, but the config has no model.backbone '
            'to derive widths for; remove them or use a transfer config (configs/transfer/)'
        )
    backbone = model['backbone']
    init_cfg = backbone.get('init_cfg')
    if not isinstance(init_cfg, dict):
        init_cfg = backbone['init_cfg'] = dict(type='Pretrained', prefix='backbone.')
    if not init_cfg.get('checkpoint') and cfg.get('student_checkpoint'):
        init_cfg['checkpoint'] = cfg['student_checkpoint']
    init_cfg.setdefault('type', 'Pretrained')
    prefix = init_cfg.setdefault('prefix', 'backbone.')
    width = cfg.get('student_width')

    source = checkpoint or init_cfg.get('checkpoint')
    kind = _backbone_kind(backbone)
    mobile = kind in MOBILE_BACKBONES
    widths = None
    if source and osp.isfile(source):
        widths = read_backbone_widths(source, 'backbone.' if checkpoint else (prefix or ''))
        want = f'an mmpretrain {kind}' if mobile else 'an ImageNet-style ResNet'
        if widths is not None and (isinstance(widths, MobileWidths) != mobile or (mobile and widths.kind != kind)):
            widths = None
        if widths is None:  # BackboneLoadCheckHook says why when training starts
            print_log(
                f'{source}: its backbone tensors are not {want}, so the transfer widths stay as configured',
                logger='current',
                level=logging.WARNING,
            )
        elif mobile and width is not None:
            print_log(
                f'student_width={width} ignored: the {kind} widths come from {source} '
                f'(widen_factor {widths.widen_factor})',
                logger='current',
                level=logging.WARNING,
            )
        elif not mobile and width is not None and int(width) != widths.base:
            print_log(
                f'student_width={width} ignored: {source} holds base width {widths.base}',
                logger='current',
                level=logging.WARNING,
            )
    if widths is None and mobile:  # as configured: model.backbone.widen_factor (mmpretrain's default 1.0)
        widen = float(backbone.get('widen_factor', 1.0))
        widths = MobileWidths(kind, widen, mobile_stage_channels(kind, widen))
    if widths is None:
        base = int(width) if width is not None else backbone.get('base_channels', 64)
        stem = base if width is not None else backbone.get('stem_channels') or base
        widths = StudentWidths(backbone.get('depth', 50), base, stem)
    _apply(model, widths)
