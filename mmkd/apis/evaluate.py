"""Evaluation as tools/test.py runs it: the right model for the checkpoint, loaded strictly.

* A distiller config with a teacher (KD, HSSAKD, SSKD students) or with peers (DML, online HSSAKD)
  evaluates its student alone: the ``student`` classifier config, or ``peers[eval_peer]``, with the
  distiller's data preprocessor. No teacher is built, so no teacher checkpoint is needed.
* A distiller without a teacher (self-distillation, teacher stages, CSS) is built whole, so its own
  metrics (branch / exit accuracies) still work; no other checkpoint is loaded at build time.
* An exported student (``backbone.*``, ``head.*`` keys) is evaluated with the student config alone.
* Anything else (classifier, detector, segmentor) is the config's model.

With ``tta=True`` the model chosen above is wrapped in the config's ``tta_model`` and tested on its
``tta_pipeline`` (both must be in the config); the checkpoint is loaded into the wrapped model.

The checkpoint must fit exactly: missing, unexpected and mis-shaped keys are an error that names
them, never a randomly initialised model that gets scored.
"""

import copy
import os.path as osp
from typing import List, Optional, Tuple

import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint

from mmkd.utils.state_dict import key_differences

from .runner import model_config

__all__ = [
    'CheckpointMismatchError',
    'MissingTTAConfigError',
    'evaluation_model',
    'load_strictly',
    'apply_tta',
    'build_test_runner',
    'evaluate',
]

# metrics that read what a distiller adds to its predictions, not a plain classifier's
DISTILLER_METRICS = ('BranchAccuracy', 'CSSMetric', 'ExitAccuracy')


class CheckpointMismatchError(ValueError):
    """A checkpoint that does not fit the model it is evaluated with."""


def _distiller_class(model_cfg: dict):
    from mmkd.models.distillers.base import BaseClassifierModel
    from mmkd.registry import MODELS

    kind = model_cfg.get('type')
    cls = MODELS.get(kind) if isinstance(kind, str) else None
    return cls if isinstance(cls, type) and issubclass(cls, BaseClassifierModel) else None


def _student_cfg(model_cfg: dict) -> Tuple[Optional[dict], str]:
    """The classifier config a distiller evaluates and its key prefix in the distiller's checkpoints."""
    cls = _distiller_class(model_cfg)
    if not getattr(cls, 'evaluate_peers_alone', True):  # CSS: the distiller is the evaluated model
        return None, ''
    if isinstance(model_cfg.get('peers'), (list, tuple)):
        k = int(model_cfg.get('eval_peer', 0))
        student, prefix = model_cfg['peers'][k], f'peers.{k}.'
        preprocessor = model_cfg.get('data_preprocessor') or model_cfg['peers'][0].get('data_preprocessor')
    elif isinstance(model_cfg.get('student'), dict) or isinstance(model_cfg.get('classifier'), dict):
        name = 'student' if isinstance(model_cfg.get('student'), dict) else 'classifier'  # SSKDTeacher's
        student, prefix = model_cfg[name], f'{name}.'
        preprocessor = model_cfg.get('data_preprocessor') or model_cfg[name].get('data_preprocessor')
    else:
        return None, ''
    student = copy.deepcopy(dict(student))
    student.setdefault('type', 'ImageClassifier')
    student['data_preprocessor'] = dict(preprocessor or dict(type='ClsDataPreprocessor'))
    student['data_preprocessor'].setdefault('type', 'ClsDataPreprocessor')
    return student, prefix


def _without_build_checkpoints(model_cfg: dict) -> dict:
    """A teacher-free distiller config that loads nothing when it is built (the evaluated checkpoint
    holds every weight)."""
    model_cfg = copy.deepcopy(model_cfg)
    for key in [k for k in model_cfg if k.endswith('_ckpt')]:
        model_cfg[key] = None
    if model_cfg.get('freeze_classifier'):
        model_cfg['freeze_classifier'] = False  # only stops training updates; it would load classifier_ckpt
    return model_cfg


CLASSIFIER_PARTS = ('backbone.', 'neck.', 'head.', 'data_preprocessor.')


def _layout(state_dict: dict) -> str:
    if any(k.startswith('nets.') for k in state_dict):
        return 'own'  # a CSS checkpoint from before its networks were called peers
    if any(k.startswith('peers.') and '.branches.0.body.' in k for k in state_dict):
        return 'own'  # CSS: peers with masked branches, evaluated as the whole model
    if any(k.startswith('peers.') for k in state_dict):
        return 'online'
    if any(k.startswith('student.') for k in state_dict):
        return 'distiller'
    if all(k.startswith(CLASSIFIER_PARTS) for k in state_dict):
        return 'plain'  # an exported student (or a classifier's own checkpoint)
    return 'own'  # a model's own training checkpoint with other parts (a detector's heads)


def evaluation_model(cfg: Config, state: dict) -> Tuple[dict, str, bool]:
    """The model config to evaluate ``state`` (a loaded checkpoint) with.

    Returns:
        tuple: (model config, key prefix of its weights in the checkpoint, whether it is the
        student of a distiller evaluated alone).
    """
    state_dict = state.get('state_dict', state)
    model_cfg = model_config(cfg)
    layout = _layout(state_dict)
    if _distiller_class(model_cfg) is None:  # a classifier, detector or segmentor config
        if layout in ('plain', 'own'):
            return model_cfg, '', False
        if layout == 'distiller':
            return model_cfg, 'student.', False
        peers = sorted({int(k.split('.')[1]) for k in state_dict if k.startswith('peers.')})
        raise CheckpointMismatchError(
            f'the checkpoint holds the peers {peers} of an online distiller but {cfg.filename} is a single '
            'model config: evaluate it with the distiller config, or export one peer first with '
            '`python tools/export_student.py CKPT OUT.pth --peer K`'
        )
    student, prefix = _student_cfg(model_cfg)
    whole = student is None or (model_cfg.get('teacher') is None and 'peers' not in model_cfg)
    if layout == 'own' and student is None:  # e.g. CSS: the distiller is the evaluated model
        return _without_build_checkpoints(model_cfg), '', False
    if layout == 'plain':  # an exported student
        if student is None:
            raise CheckpointMismatchError(
                f'{cfg.filename} is a {model_cfg["type"]} config without a student classifier config, and the '
                'checkpoint is not one of its training checkpoints; evaluate the training checkpoint instead'
            )
        return student, '', True
    if whole:
        return _without_build_checkpoints(model_cfg), '', False
    return student, prefix, True


def _preview(keys: List[str], n: int = 8) -> str:
    return ', '.join(keys[:n]) + (f' ... (+{len(keys) - n} more)' if len(keys) > n else '')


def load_strictly(model: nn.Module, state_dict: dict, checkpoint: str, prefix: str = '', hint: str = '') -> int:
    """Load the ``prefix`` entries of ``state_dict`` into ``model``, refusing any key that does not fit.

    Args:
        model (nn.Module): the built model.
        state_dict (dict): the checkpoint's state dict.
        checkpoint (str): its path, for the message.
        prefix (str): take only keys starting with it, stripped (``'student.'``, ``'peers.1.'``).
        hint (str): appended to the error.

    Returns:
        int: the number of tensors loaded.
    """
    if prefix:
        state_dict = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if hasattr(model, 'upgrade_state_dict'):  # keys of older checkpoints under their current names
        state_dict = model.upgrade_state_dict(state_dict)
    missing, unexpected, mis_shaped = key_differences(model.state_dict(), state_dict)
    if missing or unexpected or mis_shaped:
        where = f" (keys under '{prefix}')" if prefix else ''
        lines = [
            f'checkpoint {checkpoint}{where} does not fit the {type(model).__name__} to evaluate; nothing was scored:'
        ]
        for name, keys in (('missing', missing), ('unexpected', unexpected), ('size-mismatched', mis_shaped)):
            if keys:
                lines.append(f'  {len(keys)} {name} keys: {_preview(keys)}')
        lines.append('  Evaluate it with the config it was trained (or exported) with' + (f'; {hint}' if hint else '.'))
        raise CheckpointMismatchError('\n'.join(lines))
    model.load_state_dict(state_dict, strict=True)
    return len(state_dict)


def _export_hint(state: dict, cfg_model: dict) -> str:
    meta = state.get('meta') if isinstance(state.get('meta'), dict) else {}
    source = meta.get('prefix')
    if isinstance(source, str) and source.startswith('peers.') and 'peers' in cfg_model:
        k = int(cfg_model.get('eval_peer', 0))
        if source != f'peers.{k}.':
            return (
                f'it was exported from {source[:-1]} but the config evaluates peers.{k} (eval_peer={k}): '
                f're-export with --peer {k}, or pass --cfg-options model.eval_peer={source.split(".")[1]}'
            )
    return ''


def _plain_evaluators(cfg: Config) -> None:
    """Drop the distiller-only metrics from the test evaluator of a student evaluated alone."""
    evaluator = cfg.get('test_evaluator')
    metrics = evaluator if isinstance(evaluator, list) else [evaluator]
    kept = [
        m for m in metrics if not (isinstance(m, dict) and str(m.get('type', '')).split('.')[-1] in DISTILLER_METRICS)
    ]
    if len(kept) == len(metrics):
        return
    if not kept:
        raise ValueError(
            f'the test_evaluator of {cfg.filename} ({[m.get("type") for m in metrics]}) reads the '
            "distiller's own outputs, which the student alone does not give: evaluate the "
            'training checkpoint of the distiller instead of an exported student'
        )
    print_log(
        f'evaluating the student alone: skipping {[m["type"] for m in metrics if m not in kept]}', logger='current'
    )
    cfg.test_evaluator = kept


class MissingTTAConfigError(ValueError):
    """``--tta`` on a config that defines no test-time augmentation."""


def apply_tta(cfg: Config) -> None:
    """Wrap ``cfg.model`` in ``cfg.tta_model`` and test on ``cfg.tta_pipeline`` (mmpretrain's, mmdet's and
    mmseg's ``--tta``). Both must be in the config: no test-time augmentation is made up for it."""
    lacking = [k for k in ('tta_model', 'tta_pipeline') if not cfg.get(k)]
    if lacking:
        raise MissingTTAConfigError(
            f'--tta: {cfg.filename} defines no {" and no ".join(lacking)}; add them to the config, e.g. '
            "tta_model = dict(type='mmpretrain.AverageClsScoreTTA') and a tta_pipeline whose last step is "
            "dict(type='TestTimeAug', transforms=[[dict(type='RandomFlip', prob=1.), "
            "dict(type='RandomFlip', prob=0.)], [dict(type='PackInputs')]])"
        )
    cfg.model = dict(**copy.deepcopy(dict(cfg.tta_model)), module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = copy.deepcopy(cfg.tta_pipeline)


def build_test_runner(cfg: Config, checkpoint: str, tta: bool = False):
    """An mmengine ``Runner`` for ``cfg`` whose model is loaded strictly from ``checkpoint``.

    ``cfg`` is prepared by :func:`mmkd.apis.prepare_test_cfg`; its ``load_from`` is cleared here.
    ``tta``: wrap the evaluated model in the config's ``tta_model`` (see :func:`apply_tta`).
    """
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
    state = _load_checkpoint(checkpoint, map_location='cpu')
    if not isinstance(state, dict):
        raise CheckpointMismatchError(f'{checkpoint} is not a checkpoint (a dict with a state_dict)')
    state_dict = state.get('state_dict', state)
    if cfg.get('student_checkpoint') is not None or cfg.get('student_width') is not None:
        from mmkd.transfer.widths import apply_student_widths

        apply_student_widths(cfg, checkpoint=checkpoint)  # widths of the model being evaluated
    distiller_model = model_config(cfg)
    model_cfg, prefix, student_alone = evaluation_model(cfg, state)
    cfg.model = model_cfg
    cfg.load_from, cfg.resume = None, False
    if student_alone:
        _plain_evaluators(cfg)
    if tta:
        apply_tta(cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    if tta:
        model = model.module  # the TTA wrapper's model: the checkpoint's keys carry no 'module.'
    n = load_strictly(model, state_dict, checkpoint, prefix, _export_hint(state, distiller_model))
    what = f"the student ('{prefix}' keys)" if prefix else type(model).__name__
    runner.logger.info(f'evaluating {what} of {checkpoint}: {n} tensors loaded strictly')
    return runner


def evaluate(cfg: Config, checkpoint: str, tta: bool = False) -> dict:
    """Build with :func:`build_test_runner` and run the test loop; returns the metrics."""
    return build_test_runner(cfg, checkpoint, tta=tta).test()
