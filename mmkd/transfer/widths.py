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
"""
import logging
import os.path as osp
from typing import NamedTuple, Optional, Sequence, Tuple

from mmengine.logging import print_log

__all__ = ['StudentWidths', 'read_student_widths', 'apply_student_widths', 'wants_student_widths']

# ResNet depth -> block expansion (BasicBlock 1, Bottleneck 4)
RESNET_ARCH = {18: 1, 34: 1, 50: 4, 101: 4, 152: 4}


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
    from mmengine.runner.checkpoint import _load_checkpoint

    from .checks import RESNET_DEPTHS, _resnet_layout
    state = _load_checkpoint(checkpoint, map_location='cpu')
    state_dict = state.get('state_dict', state) if isinstance(state, dict) else {}
    sd = {k[len(prefix):]: v for k, v in state_dict.items() if isinstance(k, str) and k.startswith(prefix)}
    stem, first = sd.get('conv1.weight'), sd.get('layer1.0.conv1.weight')
    layout = _resnet_layout(list(sd))
    depth = RESNET_DEPTHS.get(layout) if layout else None
    if stem is None or first is None or depth is None or stem.dim() != 4:
        return None
    return StudentWidths(depth, int(first.shape[0]), int(stem.shape[0]))


def _set(node, key: str, value) -> None:
    if isinstance(node, dict) and key in node:
        node[key] = value


def _pick(channels: Sequence[int], index):
    return [channels[i] for i in index] if isinstance(index, (list, tuple)) else channels[index]


def _apply(model, widths: StudentWidths) -> None:
    backbone = model['backbone']
    backbone.update(depth=widths.depth, base_channels=widths.base, stem_channels=widths.stem)
    stages = widths.stage_channels
    fpn = 4 * widths.base
    neck = model.get('neck')
    if isinstance(neck, dict) and isinstance(neck.get('in_channels'), (list, tuple)):
        out_indices = backbone.get('out_indices', (0, 1, 2, 3))
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
                head.update(in_channels=fpn, fc_out_channels=16 * widths.base)
        if isinstance(roi.get('mask_head'), dict):
            roi['mask_head'].update(in_channels=fpn, conv_out_channels=fpn)
    for name in ('decode_head', 'auxiliary_head'):
        heads = model.get(name)
        for head in heads if isinstance(heads, list) else [heads]:
            if isinstance(head, dict) and 'in_channels' in head:
                head['in_channels'] = _pick(stages, head.get('in_index', -1))
                widest = max(head['in_channels']) if isinstance(head['in_channels'], list) else head['in_channels']
                _set(head, 'channels', widest // 4)


def apply_student_widths(cfg, checkpoint: Optional[str] = None) -> None:
    """Finalise step: set every student-dependent width of ``cfg.model`` (in place).

    The backbone loads ``model.backbone.init_cfg.checkpoint`` when it is set, else
    ``student_checkpoint`` (written into the init_cfg here). The widths come from that file's
    tensors when it exists; else from ``student_width`` (base = stem width) and the configured
    ``model.backbone.depth``; else from the backbone as configured (a standard ResNet: 64).

    Args:
        cfg (Config): a transfer config (``model.backbone`` an mmdet / mmseg ResNet).
        checkpoint (str, optional): read the widths from this checkpoint's ``backbone.*`` tensors
            instead, e.g. the trained detector that tools/test.py evaluates.
    """
    model = cfg.get('model')
    if not isinstance(model, dict) or not isinstance(model.get('backbone'), dict):
        raise ValueError('student_checkpoint / student_width are set, but the config has no model.backbone '
                         'to derive widths for; remove them or use a transfer config (configs/transfer/)')
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
    widths = None
    if source and osp.isfile(source):
        widths = read_student_widths(source, 'backbone.' if checkpoint else (prefix or ''))
        if widths is None:  # BackboneLoadCheckHook says why when training starts
            print_log(f'{source}: its backbone tensors are not an ImageNet-style ResNet, so the transfer '
                      'widths stay as configured', logger='current', level=logging.WARNING)
        elif width is not None and int(width) != widths.base:
            print_log(f'student_width={width} ignored: {source} holds base width {widths.base}',
                      logger='current', level=logging.WARNING)
    if widths is None:
        base = int(width) if width is not None else backbone.get('base_channels', 64)
        stem = base if width is not None else backbone.get('stem_channels') or base
        widths = StudentWidths(backbone.get('depth', 50), base, stem)
    _apply(model, widths)
