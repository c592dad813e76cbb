"""Export the student of a distiller (or a plain classifier) as a tensor-only checkpoint."""
import os
import os.path as osp
import tempfile
from collections import OrderedDict
from typing import Optional

import torch
from mmengine.runner.checkpoint import _load_checkpoint

STUDENT_PARTS = ('backbone.', 'neck.', 'head.')


def student_prefix(state_dict: dict, peer: Optional[int] = None) -> str:
    """The key prefix of the student inside ``state_dict``: ``'student.'``, ``'peers.K.'`` or ``''``."""
    if any(k.startswith('peers.') for k in state_dict):
        peers = sorted({int(k.split('.')[1]) for k in state_dict if k.startswith('peers.')})
        peer = 0 if peer is None else peer
        if peer not in peers:
            raise ValueError(f'--peer {peer} does not exist; the checkpoint holds peers {peers}')
        return f'peers.{peer}.'
    if peer is not None:
        raise ValueError(f'--peer {peer} was given but the checkpoint is not an online (multi-peer) model')
    if any(k.startswith('student.') for k in state_dict):
        return 'student.'
    if any(k.startswith('backbone.') for k in state_dict):
        return ''
    raise ValueError('the checkpoint holds no student: expected "student.*", "peers.K.*" or '
                     f'"backbone.*" keys, found e.g. {sorted(state_dict)[:5]}')


def extract_student(state_dict: dict, peer: Optional[int] = None, backbone_only: bool = False) -> OrderedDict:
    """Take the student's ``backbone.*`` (and ``neck.*``, ``head.*``) tensors out of ``state_dict``."""
    prefix = student_prefix(state_dict, peer)
    parts = ('backbone.', ) if backbone_only else STUDENT_PARTS
    out = OrderedDict()
    for key, value in state_dict.items():
        if key.startswith(prefix) and key[len(prefix):].startswith(parts):
            out[key[len(prefix):]] = value.detach().cpu().clone().contiguous()
    if not any(k.startswith('backbone.') for k in out):
        raise ValueError(f'the student (prefix {prefix!r}) has no backbone.* weights')
    return out


def _backbone_type(cfg_text, prefix: str) -> Optional[str]:
    """The student's backbone type from the training config saved in the checkpoint's meta."""
    from mmengine.config import Config
    try:
        model = Config.fromstring(cfg_text, '.py').model
        if prefix.startswith('peers.'):
            model = model['peers'][int(prefix.split('.')[1])]
        elif prefix == 'student.':
            model = model['student']
        return model['backbone']['type']
    except Exception:  # no config, or one we cannot read: the meta just goes without it
        return None


def export_student(ckpt: str, out: str, peer: Optional[int] = None, backbone_only: bool = False) -> dict:
    """Write ``{'state_dict': tensors, 'meta': plain python}`` to ``out`` atomically; return the meta."""
    from mmkd import __version__
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f'checkpoint {ckpt} does not exist')
    state = _load_checkpoint(ckpt, map_location='cpu')
    state_dict = state.get('state_dict', state)
    student = extract_student(state_dict, peer, backbone_only)
    meta = dict(
        mmkd_version=__version__,
        source=osp.abspath(ckpt),
        prefix=student_prefix(state_dict, peer),
        backbone_only=bool(backbone_only),
        num_tensors=len(student),
        num_params=int(sum(v.numel() for k, v in student.items() if v.is_floating_point())),
    )
    src_meta = state.get('meta') or {}
    for key in ('epoch', 'iter', 'experiment_name'):
        if isinstance(src_meta.get(key), (int, str)):
            meta[f'source_{key}'] = src_meta[key]
    backbone_type = _backbone_type(src_meta.get('cfg'), meta['prefix']) if isinstance(src_meta.get('cfg'), str) else None
    if backbone_type:
        meta['backbone_type'] = backbone_type  # read by mmkd.transfer's load check
    out_dir = osp.dirname(osp.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix='.tmp')
    os.close(fd)
    try:
        torch.save({'state_dict': student, 'meta': meta}, tmp)
        torch.load(tmp, weights_only=True)  # prove it is tensor-only before it replaces anything
        os.replace(tmp, out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return meta
