"""Refuse unknown top-level config keys: mmengine ignores them, so a typo (``trian_cfg``) would
silently leave the setting at its default.

Known keys are the arguments of mmengine's ``Runner`` / ``FlexibleRunner`` (read from their
signatures), the keys the mmengine / mmpretrain / mmdet / mmseg tools read from a config and
mmkd's own knobs (:data:`MMKD_KEYS`). Helper variables pass too: any key defined by a ``_base_``
file of the config, any key whose dict / list value (or a part of it) was substituted into another
key (``train_pipeline``, ``student``), and any key that starts with ``_``; but never a key a letter
or two off a known one unless its whole value is reused. A config that inherits nothing (the
flattened copy a run dumps into its work_dir) is checked for such misspelt keys only. A config lists
further keys of its own in a top-level ``custom_keys`` list::

    my_scale = 0.5
    custom_keys = ['my_scale']
"""

import difflib
import functools
import inspect
import os.path as osp
from typing import FrozenSet, Iterable, Iterator, Optional, Set

# mmkd's documented top-level knobs (scalars that other keys read through ``{{_base_.x}}``); extend here.
MMKD_KEYS = (
    'custom_keys',
    'num_classes',
    'num_clusters',
    'max_epochs',
    'max_iters',
    'input_size',
    'img_size',
    'student_width',
    'student_checkpoint',
    'teacher_ckpt',
    'student_ckpt',
    'classes',
    'ann_file',
)

# top-level keys that mmengine, mmpretrain, mmdet and mmseg read from a config besides the Runner's arguments
TOOL_KEYS = (
    'default_scope',
    'launcher',
    'work_dir',
    'resume',
    'load_from',
    'custom_imports',
    'runner_type',
    'auto_scale_lr',
    'tta_model',
    'tta_pipeline',
    'visualizer',
    'vis_backends',
    'log_processor',
    'log_level',
    'env_cfg',
    'randomness',
    'data_root',
    'dataset_type',
    'backend_args',
    'img_norm_cfg',
    'train_pipeline',
    'test_pipeline',
    'val_pipeline',
    'data_preprocessor',
    'model_wrapper_cfg',
    'find_unused_parameters',
    'cfg',
    'experiment_name',
    'compile',
    'strategy',
    'metainfo',
)

# how close a key bound in a _base_ file must be to a known key to be taken for a typo of it
_BASE_TYPO_CUTOFF = 0.85


class UnknownConfigKeyError(ValueError):
    """A config sets a top-level key that nothing reads."""


def runner_keys() -> Set[str]:
    """The argument names of mmengine's ``Runner`` and ``FlexibleRunner``."""
    from mmengine.runner import Runner

    runners = [Runner]
    try:
        from mmengine.runner import FlexibleRunner

        runners.append(FlexibleRunner)
    except ImportError:  # older mmengine
        pass
    keys = set()
    for runner in runners:
        keys.update(
            name
            for name, p in inspect.signature(runner.__init__).parameters.items()
            if name != 'self' and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )
    return keys


def known_keys() -> Set[str]:
    """Every top-level key a config may set without listing it in ``custom_keys``."""
    return runner_keys() | set(TOOL_KEYS) | set(MMKD_KEYS)


@functools.lru_cache(maxsize=256)
def _file_keys(path: str, mtime: float) -> FrozenSet[str]:
    from mmengine.config import Config

    return frozenset(Config.fromfile(path).keys())


def base_keys(filename: Optional[str]) -> Set[str]:
    """The top-level keys that the ``_base_`` files of ``filename`` (and their bases) define."""
    from mmengine.config import Config

    if not filename or not osp.isfile(filename):
        return set()
    keys = set()
    for base in Config._get_base_files(filename):
        path, _ = Config._get_cfg_path(base, filename)
        keys.update(_file_keys(path, osp.getmtime(path)))
    return keys


def _custom_keys(cfg) -> Set[str]:
    custom = cfg.get('custom_keys') or []
    if isinstance(custom, str) or not all(isinstance(k, str) for k in custom):
        raise UnknownConfigKeyError(
            f'config {cfg.filename}: custom_keys must be a list of key names, '
            f"e.g. custom_keys = ['my_key'], got {custom!r}"
        )
    return set(custom)


def _option_keys(cfg_options: Optional[dict]) -> Set[str]:
    return {str(k).split('.')[0] for k in (cfg_options or {})}


def _contains(value, target) -> bool:
    if value == target:
        return True
    if isinstance(value, dict):
        return any(_contains(v, target) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains(v, target) for v in value)
    return False


def _parts(value) -> Iterator:
    """The non-empty dicts / lists inside ``value`` (``value`` included)."""
    if isinstance(value, (dict, list, tuple)) and value:
        yield value
        for v in value.values() if isinstance(value, dict) else value:
            yield from _parts(v)


def _substituted(cfg, key: str, partly: bool) -> bool:
    """Whether the dict / list value of ``key`` (or, when ``partly``, a dict / list inside it) also sits
    inside another key, as a helper variable's value does after ``{{_base_.key}}``."""
    parts = list(_parts(cfg[key]))
    wanted = parts if partly else parts[:1]
    others = [cfg[other] for other in cfg.keys() if other != key]
    return any(_contains(other, part) for part in wanted for other in others)


def _line(key: str, known: Iterable[str], source: str, cutoff: float) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=cutoff)
    hint = f"; did you mean '{close[0]}'?" if close else ''
    return f"  '{key}' ({source}){hint}"


def check_top_level_keys(cfg, cfg_options: Optional[dict] = None) -> None:
    """Raise :class:`UnknownConfigKeyError` naming every unknown top-level key of ``cfg``.

    Args:
        cfg (Config): the loaded config, ``cfg_options`` already merged.
        cfg_options (dict, optional): the ``--cfg-options`` given, to say where a key came from.
    """
    known = known_keys() | _custom_keys(cfg)
    from_options = _option_keys(cfg_options)
    from_bases = base_keys(cfg.filename)
    # a config that inherits nothing (the flattened copy a run dumps into its work_dir) holds its
    # helper variables without their origin: there only misspelt known keys are refused
    inherits = bool(from_bases)
    unknown = []  # (key, where it was set, did-you-mean cutoff)
    for key in cfg.keys():
        if key in known or key.startswith('_'):
            continue
        # a helper variable may be bound anywhere, but a misspelt known key is never one
        near = bool(difflib.get_close_matches(key, known, n=1, cutoff=_BASE_TYPO_CUTOFF))
        if key in from_bases and not near:
            continue
        if key in from_options and key not in from_bases:
            unknown.append((key, 'given in --cfg-options', 0.6))
        elif (inherits or near) and not _substituted(cfg, key, partly=not near):
            where = 'set in a _base_ file' if key in from_bases else 'set in the config file'
            unknown.append((key, where, _BASE_TYPO_CUTOFF if near else 0.6))
    if unknown:
        raise UnknownConfigKeyError(
            f'config {cfg.filename} sets top-level keys that nothing reads (mmengine would ignore them '
            'silently):\n'
            + '\n'.join(_line(k, known, src, c) for k, src, c in unknown)
            + '\nFix the name; or, for a variable of your own, start its name with "_" or list it in the '
            f'config as custom_keys = {[k for k, _, _ in unknown]!r}.'
        )
