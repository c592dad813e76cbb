"""One knob per fact: the values a config derives from its top-level facts are written when the run is
built, never frozen in a base.

mmengine merges a child config over its bases key by key. A value that a base computed from its own
variable (``head=dict(num_classes=num_classes)``) is frozen there: a child that sets ``num_classes = 4``
changes the variable, not the head. mmkd therefore keeps each *fact* once, at the top level of a config,
and :func:`finalize_config` writes every value derived from it, after all ``_base_`` merges and
``--cfg-options`` and before anything is built.

Facts and where they go
-----------------------
``num_classes``
    The classes of the data set (every dataset base defines it). Written to every ``num_classes`` key
    inside ``model`` at any nesting (``head``, ``student.head``, ``teacher.head``, ``teacher.student.head``,
    ``teacher.classifier.head``, ``peers[i].head``, ``net1`` / ``net2`` of CSS), to ``data_preprocessor``
    (top level and the model's), to the evaluators and to the datasets that take it. Multiples (the
    joint class x transform heads of HSSAKD / SSKD, CSS's ``num_classes * num_branches`` outputs, the
    branches and self-teachers of MixSKD) are computed inside the modules from it and never stored.
``num_clusters``
    Where a config sets it (SSSD self-distillation, which trains on cluster ids), the number of classes
    the *model* predicts: it replaces ``num_classes`` in ``model`` and ``data_preprocessor``, and is
    written to the ``num_clusters`` of every ``PseudoLabelDataset``; ``num_classes`` stays the true
    classes that the evaluators score.
``ann_file``
    The pseudo-label annotation of SSSD (written by ``tools/kmeans_pseudo_labels.py``); a
    ``{num_clusters}`` in it is replaced by ``num_clusters``. Written to the ``ann_file`` of every
    ``PseudoLabelDataset`` and the ``cluster_to_class`` of every ``ExitAccuracy`` evaluator.
``data_root``
    Written to every ``data_root=None`` of the train / val / test datasets (wrappers included): the
    dataset bases leave their datasets' roots at ``None``, meaning "the top-level ``data_root``". A
    dataset whose ``data_root`` a child sets itself (the usual OpenMMLab way) keeps its own.
``input_size``
    Written to the sizes of ``Resize`` / ``RandomResizedCrop`` / ``RandomCrop`` / ``CenterCrop`` in the
    dataloaders' pipelines when they all share one size (a pipeline with its own geometry, e.g.
    resize 256 then crop 224, is left alone, with a warning if ``input_size`` is not one of its sizes).
``train_cfg.max_epochs`` / ``train_cfg.max_iters``
    The one schedule knob. A param scheduler counted in the same unit gets ``end = max_epochs`` (or
    ``max_iters``) when it sets no ``end`` (a cosine's ``T_max`` then defaults to ``end - begin``), and a
    ``milestone_ratios=[r, ...]`` key (mmkd's one-knob form of ``milestones``: fractions of the
    scheduler's span ``end - begin``, e.g. ``[0.625, 0.75, 0.875]`` steps at 150 / 180 / 210 of 240
    epochs) becomes ``milestones``; explicit ``milestones`` win over ratios. A ``begin``, ``end``,
    milestone or ``T_max`` beyond the run is a :class:`ConfigFactError` naming the scheduler and key (except a
    warm-up's ``end``, a linear / constant ramp from 0 that another scheduler follows: it is clamped to the
    run with a warning, so that a short run of a config with a fixed warm-up needs no second knob); a
    run that outlasts its last scheduler, or a cosine whose ``T_max`` is shorter than its span, warns.
    ``val_interval`` and the checkpoint ``interval`` larger than the run are clamped to it with a
    warning (mmengine validates and saves at the last step anyway, so a larger interval can only mean
    "at the end"; an error would make shortening a run need a second knob).

Derived keys are overwritten, and every change is logged: the nested values a config holds (a
network file's home ``num_classes``, a base's frozen path) are placeholders. A command-line override of a
derived key (``--cfg-options model.student.head.num_classes=4``) would be lost that way, so
:func:`finalize_config` refuses it with a :class:`ConfigFactError` naming the fact to set instead. Only
``data_root`` fills placeholders (``None``) and leaves roots a config sets itself alone. Finalising is
idempotent and depends only on the config: it returns a finalised copy and never touches the input.
Finalise after the last override: a value derived once is explicit afterwards.

Where it runs: :func:`mmkd.apis.runner.load_config` (tools/train.py, tools/test.py and the other tools)
and :class:`mmkd.engine.runner.MMKDRunner` (``runner_type = 'MMKDRunner'`` in
``configs/_base_/default_runtime.py``), so a shipped config finalises under any launcher that honours
``runner_type`` (mim, mmpretrain's tools, ``RUNNERS.build``). The logger interval, which needs the
length of the train dataloader, adapts at run time instead (``AdaptiveLogIntervalHook``, added by
``MMKDRunner``).

Adding a step: write a function ``step(cfg) -> None`` that edits the (already copied) config in place,
is idempotent and reads nothing but the config, and append it to :data:`FINALIZE_STEPS`. Steps run in
list order.
"""

import copy
import logging
import math
import re
import warnings
from typing import Callable, Iterator, List, Optional, Tuple

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

__all__ = ['finalize_config', 'FINALIZE_STEPS', 'ConfigFactError', 'ConfigFactWarning']

INF = int(1e9)  # mmengine's "no end" for param schedulers
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')
# transform type -> its size key, for the input_size fact
SIZE_KEYS = {'Resize': 'scale', 'RandomResizedCrop': 'scale', 'RandomCrop': 'crop_size', 'CenterCrop': 'crop_size'}
COSINE = ('CosineAnnealingLR', 'CosineAnnealingMomentum', 'CosineAnnealingParamScheduler')
WARMUPS = (
    'LinearLR',
    'ConstantLR',
    'LinearMomentum',
    'ConstantMomentum',
    'LinearParamScheduler',
    'ConstantParamScheduler',
)


class ConfigFactError(ValueError):
    """A derived config value contradicts its fact, or a schedule does not fit the run."""


class ConfigFactWarning(UserWarning):
    """A derived config value looks unintended (the run goes on, as written or clamped)."""


# ----------------------------------------------------------------------------- helpers
def _where(cfg) -> str:
    filename = getattr(cfg, 'filename', None)
    return f'config {filename}' if filename else 'config'


def _walk(node, path: str) -> Iterator[Tuple[str, dict]]:
    """Every dict inside ``node`` (dicts and lists, any depth) with its config path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _walk(value, f'{path}[{i}]')


def _type_name(node: dict) -> str:
    t = node.get('type', '')
    return t.rsplit('.', 1)[-1] if isinstance(t, str) else getattr(t, '__name__', '')


def _log(msg: str) -> None:
    print_log(msg, logger='current', level=logging.INFO)


def _warn(msg: str) -> None:
    warnings.warn(msg, ConfigFactWarning, stacklevel=3)


_written: Optional[dict] = None  # {path: (fact, value)} written by the finaliser run in progress


def _propagate(cfg, fact: str, value, slots: List[Tuple[str, dict, str]]) -> None:
    """Write ``value`` (the fact ``fact``) to every ``(path, container, key)`` slot; log the changes."""
    present = [(p, c, k) for p, c, k in slots if k in c]
    changed = [f'{p}.{k} (was {c[k]!r})' for p, c, k in present if c[k] != value]
    for path, container, key in slots:
        container[key] = value
        if _written is not None:
            _written[f'{path}.{key}'] = (fact, value)
    if changed:
        _log(f'{fact}={value!r} -> ' + ', '.join(changed))


def _check_overrides(cfg, cfg_options: Optional[dict], written: dict) -> None:
    """An override of a derived key that finalising overwrote: refuse it, naming the fact to set instead."""
    derived = {re.sub(r'\[(\d+)\]', r'.\1', path): fact_value for path, fact_value in written.items()}
    for key, value in (cfg_options or {}).items():
        if key in derived and derived[key][1] != value:
            fact, final = derived[key]
            raise ConfigFactError(
                f'{_where(cfg)}: --cfg-options {key}={value!r} sets a value derived from the top-level `{fact}` '
                f'(here {final!r}), which would overwrite it: set `{fact}` instead (--cfg-options {fact}={value!r})'
            )


def _dataset_nodes(cfg) -> Iterator[Tuple[str, dict]]:
    for loader in LOADERS:
        node = cfg.get(loader)
        if isinstance(node, dict) and node.get('dataset') is not None:
            yield from _walk(node['dataset'], f'{loader}.dataset')


def _evaluator_nodes(cfg) -> Iterator[Tuple[str, dict]]:
    for name in EVALUATORS:
        if cfg.get(name) is not None:
            yield from _walk(cfg[name], name)


def _model_nodes(cfg) -> Iterator[Tuple[str, dict]]:
    if isinstance(cfg.get('model'), dict):
        yield from _walk(cfg.model, 'model')
    if isinstance(cfg.get('data_preprocessor'), dict):
        yield from _walk(cfg.data_preprocessor, 'data_preprocessor')


# ----------------------------------------------------------------------------- steps
def model_classes_step(cfg) -> None:
    """``num_clusters`` (when set) or ``num_classes`` -> every ``num_classes`` in the model and preprocessor."""
    fact = 'num_clusters' if cfg.get('num_clusters') is not None else 'num_classes'
    value = cfg.get(fact)
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigFactError(f'{_where(cfg)}: {fact} must be a positive int, got {value!r}')
    _propagate(cfg, fact, value, [(p, n, 'num_classes') for p, n in _model_nodes(cfg) if 'num_classes' in n])


def data_classes_step(cfg) -> None:
    """``num_classes`` -> the ``num_classes`` of the datasets and evaluators (the true classes)."""
    value = cfg.get('num_classes')
    if value is None:
        return
    nodes = list(_dataset_nodes(cfg)) + list(_evaluator_nodes(cfg))
    _propagate(cfg, 'num_classes', value, [(p, n, 'num_classes') for p, n in nodes if 'num_classes' in n])


def pseudo_label_step(cfg) -> None:
    """``ann_file`` / ``num_clusters`` -> every ``PseudoLabelDataset`` and ``ExitAccuracy``."""
    datasets = [(p, n) for p, n in _dataset_nodes(cfg) if _type_name(n) == 'PseudoLabelDataset']
    evaluators = [
        (p, n)
        for p, n in _evaluator_nodes(cfg)
        if _type_name(n) == 'ExitAccuracy' and isinstance(n.get('cluster_to_class'), str)
    ]
    num_clusters = cfg.get('num_clusters')
    if num_clusters is not None and datasets:
        _propagate(cfg, 'num_clusters', num_clusters, [(p, n, 'num_clusters') for p, n in datasets])
    ann_file = cfg.get('ann_file')
    if ann_file is None or not (datasets or evaluators):
        return
    if not isinstance(ann_file, str):
        raise ConfigFactError(f'{_where(cfg)}: ann_file must be a path, got {ann_file!r}')
    if '{num_clusters}' in ann_file:
        if num_clusters is None:
            raise ConfigFactError(
                f'{_where(cfg)}: ann_file {ann_file!r} names {{num_clusters}} but the config '
                'sets no num_clusters; set num_clusters = K'
            )
        ann_file = ann_file.replace('{num_clusters}', str(num_clusters))
    slots = [(p, n, 'ann_file') for p, n in datasets] + [(p, n, 'cluster_to_class') for p, n in evaluators]
    _propagate(cfg, 'ann_file', ann_file, slots)


def data_root_step(cfg) -> None:
    """``data_root`` -> every ``data_root=None`` of the train / val / test datasets.

    The dataset bases leave their datasets' ``data_root`` at ``None`` ("the top-level ``data_root``"), so a
    child that sets ``train_dataloader.dataset.data_root`` itself, the usual OpenMMLab way, keeps it.
    """
    value = cfg.get('data_root')
    slots = [(p, n, 'data_root') for p, n in _dataset_nodes(cfg) if 'data_root' in n and n['data_root'] is None]
    if not slots:
        return
    if value is None:
        raise ConfigFactError(
            f'{_where(cfg)}: {", ".join(p + ".data_root" for p, _, _ in slots)} is None (it '
            'follows the top-level data_root) but the config sets no data_root; set data_root'
        )
    _propagate(cfg, 'data_root', value, slots)


def _square(size) -> Optional[int]:
    if isinstance(size, int):
        return size
    if isinstance(size, (list, tuple)) and len(size) == 2 and size[0] == size[1] and isinstance(size[0], int):
        return size[0]
    return None


def input_size_step(cfg) -> None:
    """``input_size`` -> the sizes of the resize / crop transforms of the dataloaders' pipelines."""
    value = cfg.get('input_size')
    if value is None:
        return
    slots = [
        (p, n, SIZE_KEYS[_type_name(n)])
        for p, n in _dataset_nodes(cfg)
        if _type_name(n) in SIZE_KEYS and SIZE_KEYS[_type_name(n)] in n
    ]
    if not slots:
        return
    sizes = {_square(n[k]) for _, n, k in slots}
    if len(sizes) > 1 or None in sizes:
        if value not in sizes:
            _warn(
                f'{_where(cfg)}: input_size={value} is not applied to the pipelines: their resize / crop sizes '
                f'differ ({", ".join(f"{p}.{k}={n[k]!r}" for p, n, k in slots)}); edit the pipelines'
            )
        return
    (size,) = sizes
    if size == value:
        return
    for path, node, key in slots:
        node[key] = (value, value) if isinstance(node[key], (list, tuple)) else value
    _log(f'input_size={value} -> ' + ', '.join(f'{p}.{k}' for p, _, k in slots) + f' (was {size})')


def _run_length(cfg) -> Optional[Tuple[bool, int, str]]:
    """(epoch-based?, length, knob name) of the training run, or None without one."""
    train_cfg = cfg.get('train_cfg')
    if not isinstance(train_cfg, dict):
        return None
    if train_cfg.get('max_iters') is not None or _type_name(train_cfg) == 'IterBasedTrainLoop':
        return False, train_cfg.get('max_iters'), 'train_cfg.max_iters'
    if train_cfg.get('max_epochs') is not None:
        return True, train_cfg['max_epochs'], 'train_cfg.max_epochs'
    return None


def _scheduler_list(name: str, schedulers) -> List[Tuple[str, dict]]:
    if isinstance(schedulers, dict):
        return [(f'{name} ({_type_name(schedulers)})', schedulers)]
    if isinstance(schedulers, (list, tuple)):
        return [(f'{name}[{i}] ({_type_name(s)})', s) for i, s in enumerate(schedulers) if isinstance(s, dict)]
    return []


def _scheduler_groups(cfg) -> List[List[Tuple[str, dict]]]:
    """The schedulers of each optimizer: one group, or one per wrapper of an ``OptimWrapperDict``
    (``param_scheduler=dict(network=[...], discriminators=[...])``, a dict without ``type``)."""
    schedulers = cfg.get('param_scheduler')
    if isinstance(schedulers, dict) and 'type' not in schedulers:
        return [_scheduler_list(f'param_scheduler.{key}', group) for key, group in schedulers.items()]
    return [_scheduler_list('param_scheduler', schedulers)]


def _milestones_from_ratios(cfg, name: str, sched: dict, span: int) -> None:
    ratios = sched.pop('milestone_ratios')
    if 'milestones' in sched:  # a child's explicit milestones over a base's ratios
        _log(f'{name}: explicit milestones {list(sched["milestones"])} used, milestone_ratios {list(ratios)} dropped')
        return
    if (
        not isinstance(ratios, (list, tuple))
        or not ratios
        or any(not isinstance(r, (int, float)) or not 0 < r < 1 for r in ratios)
        or list(ratios) != sorted(ratios)
    ):
        raise ConfigFactError(
            f'{_where(cfg)}: {name}.milestone_ratios must be increasing fractions in (0, 1) of '
            f'the scheduler span, got {ratios!r}'
        )
    # floor, so that a ratio below 1 never lands on the end; 1e-9 absorbs float noise (0.3 * 100)
    milestones = [max(1, math.floor(r * span + 1e-9)) for r in ratios]
    sched['milestones'] = [m for m in milestones if m < span]


def _param_kind(sched: dict) -> str:
    """The optimizer parameter a scheduler drives: ``lr``, ``momentum`` or its ``param_name``."""
    return sched.get('param_name') or ('momentum' if 'Momentum' in _type_name(sched) else 'lr')


def _is_warmup(sched: dict, later: List[Tuple[str, dict]]) -> bool:
    """A linear / constant ramp from the start that another scheduler of the same parameter follows."""
    return (
        _type_name(sched) in WARMUPS
        and sched.get('begin', 0) == 0
        and any(_param_kind(s) == _param_kind(sched) for _, s in later)
    )


def schedule_step(cfg) -> None:
    """Fill scheduler ends and milestones from ``max_epochs`` / ``max_iters``; check that they fit the run."""
    run = _run_length(cfg)
    if run is None:
        return
    by_epoch, length, knob = run
    if not isinstance(length, int) or length < 1:
        raise ConfigFactError(f'{_where(cfg)}: {knob} must be a positive int, got {length!r}')
    for schedulers in _scheduler_groups(cfg):
        _schedule_group(cfg, schedulers, by_epoch, length, knob)


def _schedule_group(cfg, schedulers: List[Tuple[str, dict]], by_epoch: bool, length: int, knob: str) -> None:
    """:func:`schedule_step` for the schedulers of one optimizer."""
    unit = 'epochs' if by_epoch else 'iterations'
    last_end = {}
    for index, (name, sched) in enumerate(schedulers):
        if bool(sched.get('by_epoch', True)) != by_epoch:
            continue  # counted in the other unit: its length is not known before the dataloader is built
        begin = sched.get('begin', 0)
        if sched.get('end') in (None, INF):
            sched['end'] = length
        end = sched['end']
        if begin >= length:
            raise ConfigFactError(
                f'{_where(cfg)}: {name}.begin={begin} is not before {knob}={length}: the scheduler '
                'would never run; lower begin'
            )
        if end > length and _is_warmup(sched, schedulers[index + 1 :]):
            _warn(
                f'{_where(cfg)}: {name} is a warm-up that ends at {end}, after {knob}={length}: '
                f'clamped to {length} (the run is all warm-up)'
            )
            sched['end'] = end = length
        if end > length:
            raise ConfigFactError(
                f'{_where(cfg)}: {name}.end={end} lies beyond {knob}={length}; leave end unset '
                f'(it then follows {knob}) or lower it'
            )
        if 'milestone_ratios' in sched:
            _milestones_from_ratios(cfg, name, sched, end - begin)
        for m in sched.get('milestones', ()):
            if begin + m >= end:
                raise ConfigFactError(
                    f'{_where(cfg)}: {name}.milestones has {m} (step {begin + m} counted from begin={begin}), not '
                    f'before the end of the run ({knob}={length}, scheduler end={end}): that decay would never happen. '
                    'Lower the milestones, or write them as milestone_ratios=[...] so they follow the run'
                )
        if _type_name(sched) in COSINE and sched.get('T_max') is not None:
            t_max = sched['T_max']
            if begin + t_max > length:
                raise ConfigFactError(
                    f'{_where(cfg)}: {name}.T_max={t_max} lies beyond {knob}={length} (begin={begin}): the cosine '
                    f'would never reach its minimum. Leave T_max unset (it then is end - begin) or lower it'
                )
            if t_max < end - begin:
                _warn(
                    f'{_where(cfg)}: {name}.T_max={t_max} is shorter than its span end - begin = {end - begin}: '
                    f'the value rises again after {t_max} {unit}; leave T_max unset to follow the span'
                )
        kind = _param_kind(sched)
        last_end[kind] = max(last_end.get(kind, 0), end)
    for kind, end in last_end.items():
        if end < length:
            _warn(
                f'{_where(cfg)}: the last {kind} scheduler ends at {end} but {knob}={length}: the {kind} stays '
                f'constant for the last {length - end} {unit}; leave its end unset to follow {knob}'
            )


def interval_step(cfg) -> None:
    """Clamp ``val_interval`` and the checkpoint ``interval`` to the run; refuse a ``val_begin`` beyond it."""
    run = _run_length(cfg)
    if run is None:
        return
    by_epoch, length, knob = run
    train_cfg = cfg.train_cfg
    if train_cfg.get('val_begin', 1) > length and cfg.get('val_dataloader') is not None:
        raise ConfigFactError(
            f'{_where(cfg)}: train_cfg.val_begin={train_cfg.val_begin} lies beyond {knob}={length}: '
            'the run would never validate; lower val_begin'
        )
    interval = train_cfg.get('val_interval')
    if isinstance(interval, int) and interval > length:
        train_cfg['val_interval'] = length
        _warn(
            f'{_where(cfg)}: train_cfg.val_interval={interval} exceeds {knob}={length}: clamped to {length} '
            '(validation at the end of the run)'
        )
    ckpt = (cfg.get('default_hooks') or {}).get('checkpoint')
    if isinstance(ckpt, dict) and bool(ckpt.get('by_epoch', True)) == by_epoch:
        interval = ckpt.get('interval')
        if isinstance(interval, int) and interval > length:
            ckpt['interval'] = length
            _warn(
                f'{_where(cfg)}: default_hooks.checkpoint.interval={interval} exceeds {knob}={length}: clamped to '
                f'{length} (a checkpoint at the end of the run)'
            )


#: The finalising steps, in order; each is ``step(cfg) -> None`` (see the module docstring to add one).
FINALIZE_STEPS: List[Callable] = [
    model_classes_step,
    data_classes_step,
    pseudo_label_step,
    data_root_step,
    input_size_step,
    schedule_step,
    interval_step,
]


def finalize_config(cfg, cfg_options: Optional[dict] = None):
    """A copy of ``cfg`` with every value derived from its top-level facts written (see the module doc).

    Args:
        cfg (Config | dict): a merged config (all ``_base_`` files and overrides applied).
        cfg_options (dict, optional): the command-line overrides merged into ``cfg``; one that sets a
            derived key (``model.student.head.num_classes``) is refused, since finalising would overwrite it.

    Returns:
        Config: the finalised copy; ``finalize_config(finalize_config(c))`` equals ``finalize_config(c)``.
    """
    global _written
    if isinstance(cfg, Config):
        cfg = copy.deepcopy(cfg)
    elif isinstance(cfg, dict):
        cfg = Config(copy.deepcopy(cfg.to_dict() if isinstance(cfg, ConfigDict) else dict(cfg)))
    else:
        raise TypeError(f'finalize_config takes a Config or dict, got {type(cfg).__name__}')
    written, _written = _written, {}
    try:
        for step in FINALIZE_STEPS:
            step(cfg)
        _check_overrides(cfg, cfg_options, _written)
    finally:
        _written = written
    return cfg
