"""Checkpoint loading that works on torch >= 2.6 without turning pickle back on.

torch >= 2.6 loads with ``weights_only=True``; mmengine 0.10.7 saves a few non-tensor objects
(``HistoryBuffer`` and numpy arrays/scalars in the message hub and meta), so its ``load_checkpoint``,
``load_from`` and ``--resume`` fail. We allow-list exactly those globals and replace mmengine's local
loader with one that keeps ``weights_only=True`` and explains a refusal.
"""
import os.path as osp
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

__all__ = ['UnsafeCheckpointError', 'mmengine_checkpoint_globals', 'safe_load', 'setup_safe_checkpoint_loading']


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds pickled objects outside mmkd's allow-list."""


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
    globals_ = [HistoryBuffer, np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar,
                (history_buffer_getattr, 'builtins.getattr')]
    # numpy >= 1.25 pickles dtypes by their concrete class (e.g. numpy.dtypes.Float64DType).
    globals_ += [type(np.dtype(t)) for t in ('float16', 'float32', 'float64', 'int8', 'int16',
                                             'int32', 'int64', 'uint8', 'bool')]
    return globals_


def safe_load(filename: str, map_location=None):
    """``torch.load(weights_only=True)`` with mmengine's allow-list and a clear refusal."""
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        try:
            unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
        except Exception:  # not a zip checkpoint: report torch's own message
            unsafe = []
        found = ', '.join(unsafe) if unsafe else str(e).splitlines()[0]
        raise UnsafeCheckpointError(
            f'Refused to load checkpoint {filename}: it carries pickled objects outside the '
            f'allow-list of mmengine checkpoints ({found}). Unpickling them could run arbitrary '
            'code, so mmkd keeps torch.load(weights_only=True). If you trust the file, re-save it '
            'as plain tensors (tools/export_student.py does this for models), or allow-list the '
            'types with torch.serialization.add_safe_globals([...]) before loading.') from e


def _load_from_local(filename, map_location):
    return safe_load(osp.expanduser(filename), map_location=map_location)


_DONE = False


def setup_safe_checkpoint_loading() -> None:
    """Allow-list mmengine's checkpoint globals and route local loads through :func:`safe_load`.

    Idempotent; called once when mmkd is imported.
    """
    global _DONE
    if _DONE:
        return
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
    CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local, force=True)
    _DONE = True
