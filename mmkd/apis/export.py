"""Export the student of a distiller (or a plain classifier) as a tensor-only checkpoint.

The exported file holds ``{'state_dict': tensors, 'meta': plain data}``: ``meta['model_cfg']`` is
the student's classifier config (when the source checkpoint carries its model config as data) and
``meta['dataset_meta']`` the classes it was trained on and ``meta['test_pipeline']`` the test
pipeline of its config, so it loads with ``torch.load(OUT, weights_only=True)`` and is all
``mmkd.apis.get_student`` / ``inference_student`` / ``student_config`` (and through it mmpretrain's
``ImageClassificationInferencer`` and ``FeatureExtractor``) need. Nothing stored in the source
checkpoint is executed.
"""

import errno
import os.path as osp
import warnings
from collections import OrderedDict
from typing import List, Optional, Tuple

import torch

from mmkd.utils.atomic_write import atomic_write
from mmkd.utils.checkpoint import safe_load_checkpoint
from mmkd.utils.config_data import literal_config, model_cfg_from_meta, plain_data
from mmkd.utils.progress import ProgressReporter

# checkpoints from this size on show the progress of their export (reading and writing take seconds)
PROGRESS_MIN_BYTES = 100 * 2**20

STUDENT_PARTS = ('backbone.', 'neck.', 'head.')
ONLINE_DEFAULT_PEER = 0  # OnlineDistiller's eval_peer default


def student_prefix(state_dict: dict, peer: Optional[int] = None) -> str:
    """The key prefix of the student inside ``state_dict``: ``'student.'``, ``'classifier.'``, ``'peers.K.'``
    or ``''``."""
    if any(k.startswith('peers.') for k in state_dict):
        peers = sorted({int(k.split('.')[1]) for k in state_dict if k.startswith('peers.')})
        peer = ONLINE_DEFAULT_PEER if peer is None else peer
        if peer not in peers:
            raise ValueError(f'--peer {peer} does not exist; the checkpoint holds peers {peers}')
        return f'peers.{peer}.'
    if peer is not None:
        raise ValueError(f'--peer {peer} was given but the checkpoint is not an online (multi-peer) model')
    if any(k.startswith('student.') for k in state_dict):
        return 'student.'
    if any(k.startswith('classifier.') for k in state_dict):  # SSKDTeacher: its frozen classifier
        return 'classifier.'
    if any(k.startswith('backbone.') for k in state_dict):
        return ''
    raise ValueError(
        'the checkpoint holds no student: expected "student.*", "peers.K.*" or '
        f'"backbone.*" keys, found e.g. {sorted(state_dict)[:5]}'
    )


def extract_student(state_dict: dict, peer: Optional[int] = None, backbone_only: bool = False) -> OrderedDict:
    """Take the student's ``backbone.*`` (and ``neck.*``, ``head.*``) tensors out of ``state_dict``."""
    prefix = student_prefix(state_dict, peer)
    parts = ('backbone.',) if backbone_only else STUDENT_PARTS
    out = OrderedDict()
    for key, value in state_dict.items():
        if key.startswith(prefix) and key[len(prefix) :].startswith(parts):
            out[key[len(prefix) :]] = value.detach().cpu().clone().contiguous()
    if not any(k.startswith('backbone.') for k in out):
        raise ValueError(f'the student (prefix {prefix!r}) has no backbone.* weights')
    return out


def default_peer(
    state_dict: dict, model_cfg: Optional[dict], ckpt: str = 'the checkpoint'
) -> Tuple[Optional[int], str]:
    """``(peer, how it was chosen)``: the peer an online method evaluates (``eval_peer``).

    None for a model without peers. Without a readable model config it falls back to peer 0 and
    warns.
    """
    if not any(k.startswith('peers.') for k in state_dict):
        return None, ''
    if isinstance(model_cfg, dict) and 'peers' in model_cfg:
        peer = model_cfg.get('eval_peer', ONLINE_DEFAULT_PEER)
        if isinstance(peer, int):
            return peer, f'the peer the method evaluates: eval_peer={peer}'
    warnings.warn(
        f'{ckpt} carries no readable model config, so the peer the method evaluates (eval_peer) is '
        f'unknown: exporting peer {ONLINE_DEFAULT_PEER} (fallback). Pass --peer K to choose.'
    )
    return ONLINE_DEFAULT_PEER, f'fallback peer {ONLINE_DEFAULT_PEER}: eval_peer unknown'


def student_model_cfg(model_cfg: Optional[dict], prefix: str) -> Optional[dict]:
    """The classifier config of the student at ``prefix`` inside a (distiller) model config."""
    if not isinstance(model_cfg, dict):
        return None
    if prefix == '':
        student = model_cfg
    elif prefix in ('student.', 'classifier.'):
        student = model_cfg.get(prefix[:-1], model_cfg.get('student'))
    else:
        peers = model_cfg.get('peers')
        k = int(prefix.split('.')[1])
        student = peers[k] if isinstance(peers, (list, tuple)) and k < len(peers) else None
    if not isinstance(student, dict):
        return None  # e.g. a classifier given as a config file path
    student = dict(student)
    student.setdefault('type', 'ImageClassifier')
    if prefix and isinstance(model_cfg.get('data_preprocessor'), dict):
        student.setdefault('data_preprocessor', model_cfg['data_preprocessor'])
    return student


def _dataset_pipeline(loader) -> Optional[list]:
    dataset = loader.get('dataset') if isinstance(loader, dict) else None
    while isinstance(dataset, dict):  # through wrappers such as SkipUnreadableImages(dataset=...)
        if isinstance(dataset.get('pipeline'), (list, tuple)):
            return list(dataset['pipeline'])
        dataset = dataset.get('dataset')
    return None


def stored_test_pipeline(meta: dict) -> Tuple[Optional[list], Optional[str]]:
    """``(test pipeline as plain data or None, where it came from)`` for a training checkpoint's meta.

    Read as data from the config text ``meta['cfg']`` (see :func:`literal_config`): the pipeline of
    ``test_dataloader.dataset``, else the top-level ``test_pipeline``, else ``val_dataloader``'s.
    """
    text = meta.get('cfg')
    if not isinstance(text, str):
        return None, None
    parsed = literal_config(text)
    for key, pipeline in (
        ('test_dataloader.dataset.pipeline', _dataset_pipeline(parsed.get('test_dataloader'))),
        ('test_pipeline', parsed.get('test_pipeline')),
        ('val_dataloader.dataset.pipeline', _dataset_pipeline(parsed.get('val_dataloader'))),
    ):
        if isinstance(pipeline, (list, tuple)) and all(isinstance(t, dict) and 'type' in t for t in pipeline):
            return list(pipeline), f"meta['cfg'] {key} (read as data, not executed)"
    return None, None


# --------------------------------------------------------------------------- writing
def check_output(out: str, force: bool = False) -> str:
    """Refuse an output path that is a directory, exists (unless ``force``) or cannot be written.

    Raises:
        IsADirectoryError, FileExistsError, NotADirectoryError, PermissionError.
    """
    if osp.isdir(out):
        raise IsADirectoryError(f'output {out} is a directory; give a file path such as {osp.join(out, "student.pth")}')
    if osp.lexists(out) and not force:
        raise FileExistsError(f'output {out} already exists; pass --force to replace it, or choose another path')
    out_dir = osp.dirname(osp.abspath(out))
    parent = out_dir
    while not osp.exists(parent):
        parent = osp.dirname(parent)
    if not osp.isdir(parent):
        raise NotADirectoryError(f'cannot write {out}: {parent} is a file, not a directory; choose another path')
    return out_dir


def _not_writable(out: str, out_dir: str, e: OSError) -> PermissionError:
    return PermissionError(
        e.errno,
        f'cannot write {out}: the directory {out_dir} is not writable '
        f'({e.strerror}); choose an output path in a writable directory or fix its permissions',
    )


def write_checkpoint(obj: dict, out: str, force: bool = False) -> None:
    """``torch.save`` ``obj`` to ``out`` atomically, as a file that loads with ``weights_only=True``.

    The file is written next to ``out`` under a temporary name, checked, given the usual
    ``0o666 & ~umask`` mode (0644 with umask 022) and renamed over ``out``: an existing ``out`` is
    replaced only with ``force`` and only by a complete file.
    """
    out_dir = check_output(out, force)

    def check(tmp: str) -> None:
        torch.load(tmp, weights_only=True)  # prove it is tensor-only before it replaces anything
        if not force and osp.lexists(out):  # appeared meanwhile
            raise FileExistsError(f'output {out} already exists; pass --force to replace it')

    try:
        with atomic_write(out, 'wb', check=check) as f:
            torch.save(obj, f)
    except OSError as e:
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise _not_writable(out, out_dir, e) from e
        raise


# --------------------------------------------------------------------------- export
def _plain_or_note(value, what: str, notes: List[str]):
    try:
        return plain_data(value)
    except TypeError as e:
        notes.append(f'{what} left out: {e}')
        return None


def export_student(
    ckpt: str,
    out: str,
    peer: Optional[int] = None,
    backbone_only: bool = False,
    force: bool = False,
    test_pipeline: Optional[list] = None,
    progress='auto',
    ensemble: bool = False,
    css_export: Optional[str] = None,
    config: Optional[str] = None,
) -> dict:
    """Write the student of ``ckpt`` to ``out``; return the meta written beside the tensors.

    Args:
        ckpt (str): checkpoint of ``tools/train.py`` (any mmengine scheme; loaded safely).
        out (str): output file; refused when it exists unless ``force``.
        peer (int, optional): online methods: the peer to export. Defaults to the one the method
            evaluates (``eval_peer`` of the stored model config; peer 0 with a warning when unknown).
        backbone_only (bool): export ``backbone.*`` only. Defaults to False.
        force (bool): replace an existing ``out``. Defaults to False.
        test_pipeline (list, optional): the test pipeline to store; defaults to the one of the
            config stored in ``ckpt`` (``meta['cfg']``, read as data).
        progress: ``'auto'``, ``'bar'``, ``'lines'`` or ``'off'`` (see :mod:`mmkd.utils.progress`), for
            checkpoints of ``PROGRESS_MIN_BYTES`` and more: read, select, write and verify.
        ensemble (bool): methods with an ensemble (CSS): write every peer as one model that predicts
            like the ensemble. Refused for the others. Defaults to False.
        css_export (str, optional): CSS checkpoints: ``'full'`` (the whole network, every branch;
            the default) or ``'transfer'`` (trunk + first branch as a plain backbone, which is also
            what ``backbone_only`` gives for CSS); see :mod:`mmkd.apis.export_css`. Refused for
            other methods.
        config (str, optional): the training config file, read when the checkpoint carries no
            model config as data.

    The meta holds ``model_cfg`` (the student's classifier config as plain data), ``dataset_meta``,
    ``test_pipeline`` (see :mod:`mmkd.apis.inference`), ``peer`` and ``notes`` (what could not be
    carried over, e.g. an old checkpoint without a readable model config).
    """

    check_output(out, force)
    if '://' not in ckpt and not osp.isfile(ckpt):
        raise FileNotFoundError(f'checkpoint {ckpt} does not exist')
    large = osp.isfile(ckpt) and osp.getsize(ckpt) >= PROGRESS_MIN_BYTES
    with ProgressReporter(3, f'export {osp.basename(ckpt)}', 'steps', progress if large else False) as bar:
        options = dict(ensemble=ensemble, css_export=css_export, config=config)
        return _export_student(ckpt, out, peer, backbone_only, force, test_pipeline, bar, **options)


def _export_student(
    ckpt, out, peer, backbone_only, force, test_pipeline, bar: ProgressReporter, ensemble, css_export, config
) -> dict:
    from mmkd import __version__

    from .export_css import export_css, is_css_model

    state = safe_load_checkpoint(ckpt, map_location='cpu')
    bar.update()  # read
    if not isinstance(state, dict):
        raise ValueError(
            f'{ckpt} holds a {type(state).__name__}, not a checkpoint dict; pass a .pth file written by tools/train.py'
        )
    state_dict = state.get('state_dict', state)
    src_meta = state.get('meta') if isinstance(state.get('meta'), dict) else {}
    if config is not None:
        from .runner import load_config, model_config

        full_cfg, cfg_source = model_config(load_config(config)), config
    else:
        full_cfg, cfg_source = model_cfg_from_meta(src_meta)
    if is_css_model(full_cfg, state_dict):
        if backbone_only and css_export == 'full':
            raise ValueError('--backbone-only is the CSS transfer export; it cannot be combined with --css-export full')
        kind = 'transfer' if backbone_only else (css_export or 'full')
        meta = export_css(ckpt, out, state, peer, kind, ensemble, full_cfg, cfg_source, force, test_pipeline)
        bar.update(2)  # selected, written and verified
        return meta
    what = full_cfg.get('type') if isinstance(full_cfg, dict) else 'this checkpoint'
    if css_export is not None:
        raise ValueError(
            f'--css-export applies to CSS checkpoints only (their full / transfer exports); {what} has one '
            'export kind: the student classifier (use --backbone-only for its backbone alone)'
        )
    if ensemble:
        raise ValueError(f'--ensemble: {what} has no ensemble to export (CSS has); export one peer with --peer K')
    notes: List[str] = []
    chosen = peer
    if peer is None:
        chosen, how = default_peer(state_dict, full_cfg, ckpt)
    else:
        how = '--peer'
    student = extract_student(state_dict, chosen, backbone_only)
    prefix = student_prefix(state_dict, chosen)
    meta = dict(
        mmkd_version=__version__,
        source=osp.abspath(ckpt) if '://' not in ckpt else ckpt,
        prefix=prefix,
        backbone_only=bool(backbone_only),
        num_tensors=len(student),
        num_params=int(sum(v.numel() for k, v in student.items() if v.is_floating_point())),
    )
    if chosen is not None:
        meta['peer'], meta['peer_choice'] = chosen, how
    for key in ('epoch', 'iter', 'experiment_name'):
        if isinstance(src_meta.get(key), (int, str)):
            meta[f'source_{key}'] = src_meta[key]
    model_cfg = _plain_or_note(student_model_cfg(full_cfg, prefix), 'model_cfg', notes)
    if model_cfg:
        meta['model_cfg'], meta['model_cfg_source'] = model_cfg, cfg_source
        backbone = model_cfg.get('backbone')
        if isinstance(backbone, dict) and isinstance(backbone.get('type'), str):
            meta['backbone_type'] = backbone['type']  # read by mmkd.transfer's load check
    else:
        notes.append(
            f'no model_cfg: {ckpt} carries no readable model config (checkpoints written with '
            "ModelCfgMetaHook keep it as meta['mmkd_model_cfg']); the tensors are exported alone"
        )
    if isinstance(src_meta.get('dataset_meta'), dict):
        dataset_meta = _plain_or_note(src_meta['dataset_meta'], 'dataset_meta', notes)
        if dataset_meta is not None:
            meta['dataset_meta'] = dataset_meta
    if test_pipeline is not None:
        pipeline, pipeline_source = test_pipeline, 'test_pipeline argument'
    else:
        pipeline, pipeline_source = stored_test_pipeline(src_meta)
    pipeline = _plain_or_note(pipeline, 'test_pipeline', notes)
    if pipeline:
        meta['test_pipeline'], meta['test_pipeline_source'] = pipeline, pipeline_source
    meta['notes'] = notes
    bar.update()  # selected
    write_checkpoint({'state_dict': student, 'meta': meta}, out, force)
    bar.update()  # written and verified
    return meta
