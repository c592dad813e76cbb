"""One checkpoint loader for every scheme, which never unpickles code.

torch >= 2.6 loads with ``weights_only=True``; mmengine 0.10.7 saves a few non-tensor objects
(``HistoryBuffer`` and numpy arrays/scalars in the message hub and meta), so we allow-list exactly
those globals. mmengine's own scheme loaders (http(s), ``open-mmlab://``, ``torchvision://``,
``mmcls://``, ``pavi://``, s3/petrel) end in ``torch.load`` / ``torch.hub.load_state_dict_from_url``
with ``weights_only=False``; :func:`setup_safe_checkpoint_loading` replaces each of them with a
loader that only fetches the bytes (download into the torch hub cache, file backend, model cloud)
and hands them to :func:`safe_load`. A loader registered later by another package runs with
``torch.load`` forced to ``weights_only=True``.

Errors, each naming the file and the fix:

* :class:`UnsafeCheckpointError` (a ``pickle.UnpicklingError``): pickled objects outside the allow-list.
* :class:`TruncatedCheckpointError` (a ``ValueError``): an empty, cut-short or corrupt file.
* :class:`NotACheckpointError` (a ``ValueError``): a file that ``torch.save`` did not write (text, image...).
* :class:`CheckpointDownloadError` (an ``OSError``): a URL that could not be fetched.
* :class:`LastCheckpointError` (a ``FileNotFoundError``): an empty or dangling ``work_dir/last_checkpoint``.
"""

import contextlib
import functools
import glob
import io
import json
import logging
import os
import os.path as osp
import pickle
import shlex
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import BinaryIO, Callable, Optional, Union

import numpy as np
import torch
from mmengine import fileio
from mmengine.dist import get_dist_info
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

from .atomic_write import atomic_write

__all__ = [
    'UnsafeCheckpointError',
    'InvalidCheckpointError',
    'TruncatedCheckpointError',
    'NotACheckpointError',
    'CheckpointDownloadError',
    'LastCheckpointError',
    'mmengine_checkpoint_globals',
    'safe_load',
    'safe_load_checkpoint',
    'check_last_checkpoint',
    'setup_safe_checkpoint_loading',
]

# seconds without data before a download gives up
DOWNLOAD_TIMEOUT = 60
ZIP_MAGIC = b'PK\x03\x04'
# torch.save(..., _use_new_zipfile_serialization=False) starts with the pickled magic number 0x1950a86a20f9469cfc6c
LEGACY_MAGIC = b'\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19'


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds pickled objects outside mmkd's allow-list."""


class InvalidCheckpointError(ValueError):
    """A file that cannot be read as a checkpoint."""


class TruncatedCheckpointError(InvalidCheckpointError):
    """An empty, cut-short or corrupt checkpoint file."""


class NotACheckpointError(InvalidCheckpointError):
    """A file that ``torch.save`` did not write (text, image, archive...)."""


class CheckpointDownloadError(OSError):
    """A checkpoint URL that could not be downloaded."""


class LastCheckpointError(FileNotFoundError):
    """``work_dir/last_checkpoint`` is empty or points to a missing or broken file."""


def history_buffer_getattr(obj, name: str):
    """``getattr`` limited to HistoryBuffer's statistics methods.

    A pickled ``HistoryBuffer`` stores its statistics methods as ``getattr(HistoryBuffer, 'min')``;
    a free ``builtins.getattr`` would let a checkpoint reach any attribute (and so ``os.system``),
    so the name ``builtins.getattr`` is bound to this narrow version instead.
    """
    if obj is HistoryBuffer and name in {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}:
        return getattr(obj, name)
    raise pickle.UnpicklingError(f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


def mmengine_checkpoint_globals() -> list:
    """The globals that mmengine-saved checkpoints need, and nothing else."""
    multiarray = np.core.multiarray
    globals_ = [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        multiarray._reconstruct,
        multiarray.scalar,
        (history_buffer_getattr, 'builtins.getattr'),
    ]
    # numpy >= 1.25 pickles dtypes by their concrete class (e.g. numpy.dtypes.Float64DType).
    globals_ += [
        type(np.dtype(t)) for t in ('float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool')
    ]
    return globals_


# --------------------------------------------------------------------------- reading bytes
def trusted_conversion_command(path: str) -> str:
    """The shell command that re-saves a *trusted* checkpoint as plain tensors (it unpickles it)."""
    out = osp.splitext(path)[0] + '.tensors.pth'
    code = (
        f'import torch; c = torch.load({json.dumps(path)}, map_location="cpu", weights_only=False); '
        'sd = c.get("state_dict", c) if isinstance(c, dict) else c.state_dict(); '
        'torch.save({"state_dict": {k: v for k, v in sd.items() if isinstance(v, torch.Tensor)}}, '
        f'{json.dumps(out)})'
    )
    return f'python -c {shlex.quote(code)}'


def _unsafe_error(name: str, local: Optional[str], source, error: Exception) -> UnsafeCheckpointError:
    try:
        if hasattr(source, 'seek'):
            source.seek(0)
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(source)
    except Exception:  # not a zip checkpoint: report torch's own reason
        unsafe = []
    reason = str(error).split('WeightsUnpickler error:')[-1].strip().splitlines()
    found = ', '.join(unsafe) if unsafe else (reason[0] if reason else type(error).__name__)
    local = local or 'CHECKPOINT.pth'
    out = osp.splitext(local)[0] + '.tensors.pth'
    return UnsafeCheckpointError(
        f'Refused to load checkpoint {name}: it carries pickled objects outside the allow-list of mmengine '
        f'checkpoints ({found}). Unpickling them could run arbitrary code, so mmkd keeps '
        'torch.load(weights_only=True).\n'
        'If you trust the file (you wrote it, or its source is trusted), convert it once to plain tensors '
        'with the command below. It DOES unpickle the file (weights_only=False), so it runs whatever the '
        'file holds; never run it on a file you do not trust:\n'
        f'  {trusted_conversion_command(local)}\n'
        f'then use {out} instead (load it, or export a student from it with '
        f'`python tools/export_student.py {out} OUT.pth`). Alternatively allow-list the types with '
        'torch.serialization.add_safe_globals([...]) before loading.'
    )


def _truncated(name: str, detail: str) -> TruncatedCheckpointError:
    return TruncatedCheckpointError(
        f'checkpoint {name} is truncated or corrupt ({detail}): it was probably cut short by a kill or a full '
        'disk while it was written, or by an incomplete copy or download. Use an earlier complete checkpoint '
        '(another epoch_*.pth / iter_*.pth of the same work_dir) or copy / download the file again.'
    )


def _not_a_checkpoint(name: str, head: bytes, detail: str = '') -> NotACheckpointError:
    if head.startswith((b'\x89PNG', b'\xff\xd8\xff', b'GIF8', b'BM')):
        kind = 'it looks like an image'
    elif head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        kind = 'it looks like a text file'
    else:
        kind = detail or f'it starts with {head[:8]!r}, not the zip or legacy header torch.save writes'
    return NotACheckpointError(
        f'{name} is not a PyTorch checkpoint ({kind}). Pass a .pth file written by tools/train.py '
        '(WORK_DIR/epoch_N.pth) or tools/export_student.py, and check the path in the config '
        '(load_from, model.teacher_ckpt, init_cfg.checkpoint).'
    )


def _check_header(f: BinaryIO, name: str) -> None:
    """Refuse, before unpickling anything, a file that is empty, cut short or not a torch file."""
    head = f.read(len(LEGACY_MAGIC))
    f.seek(0)
    if not head:
        raise _truncated(name, 'the file is empty, 0 bytes')
    if head.startswith(ZIP_MAGIC):
        if not zipfile.is_zipfile(f):
            f.seek(0, io.SEEK_END)
            size = f.tell()
            f.seek(0)
            raise _truncated(name, f'{size} bytes, the end of its zip archive is missing')
        f.seek(0)
    elif not head.startswith(LEGACY_MAGIC):
        raise _not_a_checkpoint(name, head)


def safe_load(filename: Union[str, BinaryIO], map_location=None, source: Optional[str] = None):
    """``torch.load(weights_only=True)`` with mmengine's allow-list and a clear refusal.

    Args:
        filename (str | file-like): a local path or an open binary file.
        map_location: as in :func:`torch.load`.
        source (str, optional): how messages name the checkpoint (e.g. the URL it came from).

    Raises:
        FileNotFoundError, IsADirectoryError, TruncatedCheckpointError, NotACheckpointError,
        UnsafeCheckpointError.
    """
    local = filename if isinstance(filename, str) else None
    if local is not None:
        name = source or filename
        if not filename:
            raise FileNotFoundError(
                'checkpoint path is empty: set the path of a .pth file '
                '(an empty work_dir/last_checkpoint gives this too)'
            )
        if osp.isdir(filename):
            raise IsADirectoryError(f'checkpoint {name} is a directory; pass the .pth file inside it')
        if not osp.isfile(filename):
            raise FileNotFoundError(f'checkpoint {name} can not be found; check the path')
        with open(filename, 'rb') as f:
            return _load_stream(f, name, local, map_location)
    return _load_stream(filename, source or '<stream>', None, map_location)


def _load_stream(f: BinaryIO, name: str, local: Optional[str], map_location):
    _check_header(f, name)
    try:
        return torch.load(f, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise _unsafe_error(name, local, f, e) from e
    except (EOFError, IndexError) as e:  # a legacy-format file whose records stop early
        raise _truncated(name, 'the data ends early') from e
    except RuntimeError as e:
        if 'failed locating file' in str(e):
            raise _not_a_checkpoint(name, b'', 'a zip archive without the data.pkl of torch.save') from e
        if 'PytorchStreamReader' in str(e) or 'zip' in str(e).lower():
            raise _truncated(name, str(e).splitlines()[0]) from e
        raise


# --------------------------------------------------------------------------- fetching bytes per scheme
def _safe(loader: Callable) -> Callable:
    loader._mmkd_safe = True
    return loader


def download_checkpoint(url: str, model_dir: Optional[str] = None, timeout: float = None) -> str:
    """Download ``url`` once into the torch hub cache (``TORCH_HOME/hub/checkpoints``); return the file.

    The file is written under a temporary name and renamed when complete, so an interrupted
    download never leaves a cut-short checkpoint in the cache. Nothing is unpickled here.
    """
    model_dir = model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    name = osp.basename(urllib.parse.urlparse(url).path) or 'checkpoint.pth'
    cached = osp.join(model_dir, name)
    if osp.isfile(cached):
        return cached
    try:
        request = urllib.request.Request(url, headers={'User-Agent': 'mmkd'})
        with (
            atomic_write(cached, 'wb') as out,
            urllib.request.urlopen(request, timeout=timeout or DOWNLOAD_TIMEOUT) as response,
        ):
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise CheckpointDownloadError(
            f'could not download checkpoint {url}: {getattr(e, "reason", e)}. Without network access, '
            f'download it elsewhere and pass the local file instead (or place it at {cached}).'
        ) from e
    return cached


@_safe
def load_from_local(filename, map_location=None):
    return safe_load(osp.expanduser(filename), map_location=map_location)


@_safe
def load_from_http(filename, map_location=None, model_dir=None):
    """Download (rank 0 first, then the other ranks from the cache) and :func:`safe_load`."""
    rank, world_size = get_dist_info()
    if rank == 0:
        cached = download_checkpoint(filename, model_dir)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            cached = download_checkpoint(filename, model_dir)
    return safe_load(cached, map_location=map_location, source=f'{filename} (cached as {cached})')


def _model_url(urls: dict, name: str, filename: str) -> str:
    if name not in urls:
        raise ValueError(
            f'{filename}: {name!r} is not a known model name; use one of e.g. '
            f'{sorted(urls)[:5]} or a local path / http(s) URL'
        )
    return urls[name]


@_safe
def load_from_torchvision(filename, map_location=None):
    if filename.startswith('modelzoo://'):
        print_log(
            'The URL scheme of "modelzoo://" is deprecated, please use "torchvision://" instead',
            logger='current',
            level=logging.WARNING,
        )
    name = filename[len('modelzoo://') :] if filename.startswith('modelzoo://') else filename[len('torchvision://') :]
    url = _model_url(mmengine_checkpoint.get_torchvision_models(), name, filename)
    return load_from_http(url, map_location=map_location)


@_safe
def load_from_openmmlab(filename, map_location=None):
    prefix = 'open-mmlab://' if filename.startswith('open-mmlab://') else 'openmmlab://'
    name = filename[len(prefix) :]
    deprecated = mmengine_checkpoint.get_deprecated_model_names()
    if name in deprecated:
        print_log(
            f'{prefix}{name} is deprecated in favor of {prefix}{deprecated[name]}',
            logger='current',
            level=logging.WARNING,
        )
        name = deprecated[name]
    url = _model_url(mmengine_checkpoint.get_external_models(), name, filename)
    if url.startswith(('http://', 'https://')):
        return load_from_http(url, map_location=map_location)
    return safe_load(osp.join(mmengine_checkpoint._get_mmengine_home(), url), map_location=map_location)


@_safe
def load_from_mmcls(filename, map_location=None):
    url = _model_url(mmengine_checkpoint.get_mmcls_models(), filename[len('mmcls://') :], filename)
    return mmengine_checkpoint._process_mmcls_checkpoint(load_from_http(url, map_location=map_location))


@_safe
def load_from_pavi(filename, map_location=None):
    try:
        from pavi import modelcloud
    except ImportError as e:
        raise ImportError('Please install pavi to load checkpoint from modelcloud.') from e
    model = modelcloud.get(filename[len('pavi://') :])
    with tempfile.TemporaryDirectory() as tmp_dir:
        downloaded = osp.join(tmp_dir, model.name)
        model.download(downloaded)
        return safe_load(downloaded, map_location=map_location, source=filename)


@_safe
def load_from_ceph(filename, map_location=None, backend='petrel'):
    data = fileio.get_file_backend(filename, backend_args={'backend': backend}).get(filename)
    with io.BytesIO(data) as buffer:
        return safe_load(buffer, map_location=map_location, source=filename)


SAFE_LOADERS = {
    '': load_from_local,
    ('http://', 'https://'): load_from_http,
    ('modelzoo://', 'torchvision://'): load_from_torchvision,
    ('open-mmlab://', 'openmmlab://'): load_from_openmmlab,
    'mmcls://': load_from_mmcls,
    'pavi://': load_from_pavi,
    (r'(\S+\:)?s3://', r'(\S+\:)?petrel://'): load_from_ceph,
}


@contextlib.contextmanager
def weights_only_forced():
    """Every ``torch.load`` inside runs with ``weights_only=True``, whatever its call site passes."""
    key = 'TORCH_FORCE_WEIGHTS_ONLY_LOAD'
    old = os.environ.get(key)
    os.environ[key] = '1'
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old


def guarded_loader(loader: Callable) -> Callable:
    """Wrap a scheme loader mmkd does not know (registered by another package) in :func:`weights_only_forced`."""

    @functools.wraps(loader)
    def guarded(filename, map_location=None):
        with weights_only_forced():
            try:
                return loader(filename, map_location)
            except pickle.UnpicklingError as e:
                raise _unsafe_error(filename, None, None, e) from e

    return _safe(guarded)


def _safe_checkpoint_loader(cls, path):
    """``CheckpointLoader._get_checkpoint_loader`` that never returns an unguarded loader."""
    loader = cls._mmkd_original_get_loader(path)
    return loader if getattr(loader, '_mmkd_safe', False) else guarded_loader(loader)


_safe_checkpoint_loader._mmkd_wrapper = True


def safe_load_checkpoint(filename: str, map_location=None):
    """Load a checkpoint from any mmengine scheme (local path, URL, ``open-mmlab://`` ...) safely."""
    setup_safe_checkpoint_loading()
    return CheckpointLoader._get_checkpoint_loader(filename)(filename, map_location)


def setup_safe_checkpoint_loading() -> None:
    """Allow-list mmengine's checkpoint globals and route every scheme through :func:`safe_load`.

    mmengine's loaders are replaced by mmkd's (same prefixes), and loaders that other packages
    register later are wrapped at load time. Idempotent; called once when mmkd is imported.
    """
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
    for prefixes, loader in SAFE_LOADERS.items():
        if any(
            CheckpointLoader._schemes.get(p) is not loader
            for p in ([prefixes] if isinstance(prefixes, str) else prefixes)
        ):
            CheckpointLoader.register_scheme(prefixes=prefixes, loader=loader, force=True)
    current = CheckpointLoader.__dict__['_get_checkpoint_loader'].__func__
    if not getattr(current, '_mmkd_wrapper', False):
        CheckpointLoader._mmkd_original_get_loader = classmethod(current)
        CheckpointLoader._get_checkpoint_loader = classmethod(_safe_checkpoint_loader)


# --------------------------------------------------------------------------- resuming
def _is_complete(path: str) -> bool:
    try:
        with open(path, 'rb') as f:
            _check_header(f, path)
        return True
    except (OSError, InvalidCheckpointError):
        return False


def check_last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``work_dir/last_checkpoint`` names, or None when there is no such file.

    mmengine's auto-resume reads that file and fails with ``checkpoint  can not be found.`` when it
    is empty. Raises :class:`LastCheckpointError` (naming the newest complete checkpoint to resume
    from) when it is empty, names a missing file, or names a truncated / non-checkpoint file.
    """
    save_file = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(save_file):
        return None
    with open(save_file) as f:
        target = f.read().strip()
    if '://' in target:
        return target
    if not target:
        problem = 'is empty'
    elif not osp.isfile(target):
        problem = f'points to {target}, which does not exist'
    elif not _is_complete(target):
        problem = f'points to {target}, which is truncated or not a checkpoint'
    else:
        return target
    candidates = sorted(
        (
            p
            for p in glob.glob(osp.join(work_dir, '*.pth'))
            if osp.abspath(p) != osp.abspath(target) and _is_complete(p)
        ),
        key=osp.getmtime,
        reverse=True,
    )
    fix = (
        f'resume from the newest complete checkpoint with `--resume {candidates[0]}` (or write that path '
        f'into {save_file})'
        if candidates
        else f'no complete checkpoint is left in {work_dir}'
    )
    raise LastCheckpointError(
        f'cannot auto-resume: {save_file} {problem} (a run killed while saving?). To continue, {fix}; '
        f'to start from scratch, delete {save_file} or use another --work-dir.'
    )
