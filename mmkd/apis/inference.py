"""Inference with an exported student (``tools/export_student.py``).

An exported student holds ``{'state_dict': tensors, 'meta': plain data}``; its meta carries the
classifier config (``model_cfg``), the classes (``dataset_meta``) and the test pipeline
(``test_pipeline``), so the file alone is enough to classify an image:

* :func:`student_config`: an mmengine ``Config`` that mmpretrain's ``ImageClassificationInferencer``,
  ``FeatureExtractor`` and ``get_model`` accept (``model=cfg, pretrained=ckpt``);
* :func:`get_student`: the classifier, built, weights loaded strictly, in eval mode, with its classes;
* :func:`inference_student`: one image (path or array) -> ``pred_label``, ``pred_score``,
  ``pred_scores``, ``pred_class``, as mmpretrain's ``inference_model`` returns them.

See docs/inference.md.
"""

import copy
import os
import os.path as osp
from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config

from mmkd.utils.checkpoint import safe_load_checkpoint
from mmkd.utils.config_data import plain_data
from mmkd.utils.state_dict import abbreviate, key_differences

__all__ = ['load_student_meta', 'student_config', 'get_student', 'inference_student']

EXPORT_HINT = 'export it first: python tools/export_student.py {ckpt} student.pth'


def _load(ckpt: str) -> dict:
    if not isinstance(ckpt, (str, os.PathLike)):
        raise TypeError(f'expected the path of an exported student, got {type(ckpt).__name__}')
    ckpt = os.fspath(ckpt)
    if '://' not in ckpt and not osp.isfile(ckpt):
        raise FileNotFoundError(f'exported student {ckpt} does not exist')
    state = safe_load_checkpoint(ckpt, map_location='cpu')
    if not isinstance(state, dict) or not isinstance(state.get('state_dict'), dict):
        raise ValueError(
            f'{ckpt} is not an exported student: it holds no state_dict next to a meta; '
            + EXPORT_HINT.format(ckpt=ckpt)
        )
    return state


def _check_meta(state: dict, ckpt: str) -> dict:
    """The meta of an exported student, or a ValueError naming ``ckpt`` and the key it lacks."""
    meta = state.get('meta')
    keys = state['state_dict'].keys()
    training = any(k.startswith(('student.', 'peers.', 'teacher.')) for k in keys) or (
        isinstance(meta, dict) and ('mmkd_model_cfg' in meta or 'cfg' in meta) and 'prefix' not in meta
    )
    if isinstance(meta, dict) and meta.get('ensemble') and 'prefix' in meta:
        training = False  # an ensemble export (CSS --ensemble): every peer, as one model
    if training:
        raise ValueError(
            f"{ckpt} is a training checkpoint, not an exported student (no meta['model_cfg']); "
            + EXPORT_HINT.format(ckpt=ckpt)
        )
    if not isinstance(meta, dict):
        raise ValueError(
            f"{ckpt} has no meta, so no meta['model_cfg'] to build the student from; " + EXPORT_HINT.format(ckpt=ckpt)
        )
    if not isinstance(meta.get('model_cfg'), dict):
        notes = '; '.join(meta.get('notes') or []) if isinstance(meta.get('notes'), list) else ''
        raise ValueError(
            f"{ckpt} has no meta['model_cfg']: the student's config is unknown"
            + (f' (export notes: {notes})' if notes else '')
            + '. Export it from a checkpoint that carries its config (any tools/train.py checkpoint does): '
            'python tools/export_student.py CHECKPOINT student.pth'
        )
    return meta


def load_student_meta(ckpt: str) -> dict:
    """The meta of the exported student ``ckpt``, checked to carry ``model_cfg``."""
    return _check_meta(_load(ckpt), ckpt)


def _build_config(meta: dict, ckpt: str, test_pipeline: Optional[list], require_pipeline: bool) -> Config:
    pipeline = test_pipeline if test_pipeline is not None else meta.get('test_pipeline')
    if pipeline is None and require_pipeline:
        raise ValueError(
            f"{ckpt} has no meta['test_pipeline']: its source checkpoint carried no readable test pipeline. "
            'Pass test_pipeline=[...] (e.g. the test_pipeline of the training config), or re-export with '
            "export_student(..., test_pipeline=cfg.test_pipeline)"
        )
    model = copy.deepcopy(meta['model_cfg'])
    model.setdefault('type', 'ImageClassifier')
    cfg = dict(
        model=model,
        default_scope='mmkd',
        # Config.fromfile imports these, so a dumped student config builds mmkd's modules by itself
        custom_imports=dict(imports=['mmkd.datasets', 'mmkd.models'], allow_failed_imports=False),
        load_from=os.fspath(ckpt),
    )
    if pipeline is not None:
        pipeline = plain_data(pipeline)
        cfg['test_pipeline'] = pipeline
        # mmpretrain's inferencers read cfg.test_dataloader.dataset.pipeline; get_model reads the
        # dataset type only when the checkpoint has no classes (CustomDataset: none then either)
        cfg['test_dataloader'] = dict(dataset=dict(type='CustomDataset', pipeline=copy.deepcopy(pipeline)))
    if isinstance(meta.get('dataset_meta'), dict):
        cfg['dataset_meta'] = copy.deepcopy(meta['dataset_meta'])
    return Config(cfg)


def student_config(ckpt: str, test_pipeline: Optional[list] = None) -> Config:
    """The config of the exported student ``ckpt``, as mmpretrain's inferencers take it.

    ``ImageClassificationInferencer(model=student_config(ckpt), pretrained=ckpt)`` and
    ``FeatureExtractor(model=student_config(ckpt), pretrained=ckpt)`` work with it (as does
    ``mmpretrain.get_model``); ``load_from`` is the checkpoint, so ``pretrained=True`` loads it too.

    Args:
        ckpt (str): a file written by ``tools/export_student.py``.
        test_pipeline (list, optional): the pipeline to use instead of ``meta['test_pipeline']``
            (required when the export has none).

    Returns:
        Config: ``model`` (the student classifier with its data preprocessor), ``test_pipeline``
        and ``test_dataloader.dataset.pipeline`` (the same list), ``dataset_meta`` (the classes,
        when exported), ``load_from``, ``default_scope='mmkd'`` and ``custom_imports`` (mmkd's
        datasets and models, imported by ``Config.fromfile`` when the config is dumped and read back).
    """
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=False)  # mmkd's modules (GrayToRGB, CIFAR backbones) by name
    return _build_config(load_student_meta(ckpt), ckpt, test_pipeline, require_pipeline=True)


def _strict_load(model: torch.nn.Module, state_dict: dict, ckpt: str, meta: dict) -> None:
    missing, unexpected, mismatched = key_differences(model.state_dict(), state_dict, 'file')
    if missing or unexpected or mismatched:
        if meta.get('backbone_only') and missing and all(not k.startswith('backbone.') for k in missing):
            raise ValueError(
                f'{ckpt} holds backbone.* weights only (exported with --backbone-only): there is no head to '
                'classify with; export it again without --backbone-only'
            )

        raise ValueError(
            f"the weights of {ckpt} do not fit its meta['model_cfg']: missing keys [{abbreviate(missing)}], "
            f'unexpected keys [{abbreviate(unexpected)}], shape mismatches [{abbreviate(mismatched)}]'
        )
    model.load_state_dict(state_dict, strict=True)


def get_student(ckpt: str, device: Union[str, torch.device] = 'cpu', test_pipeline: Optional[list] = None):
    """Build the exported student ``ckpt``: weights loaded strictly, eval mode, on ``device``.

    The model's ``dataset_meta`` holds the exported classes. It also carries what mmpretrain's
    inferencers read from a built model (``_config``, ``_dataset_meta``), so
    ``ImageClassificationInferencer(get_student(ckpt))`` works as well.

    Args:
        ckpt (str): a file written by ``tools/export_student.py``.
        device (str | torch.device): where to put the model. Defaults to ``'cpu'``.
        test_pipeline (list, optional): replaces ``meta['test_pipeline']`` in the model's config.

    Returns:
        mmpretrain's ``ImageClassifier`` (or the exported classifier type).
    """
    from mmengine.registry import DefaultScope

    from mmkd.registry import MODELS
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=False)
    state = _load(ckpt)
    meta = _check_meta(state, ckpt)
    cfg = _build_config(meta, ckpt, test_pipeline, require_pipeline=False)
    with DefaultScope.overwrite_default_scope('mmkd'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    _strict_load(model, state['state_dict'], ckpt, meta)
    dataset_meta = copy.deepcopy(meta.get('dataset_meta')) if isinstance(meta.get('dataset_meta'), dict) else {}
    model.dataset_meta = dataset_meta
    model._dataset_meta = dataset_meta  # read by mmpretrain's ImageClassificationInferencer
    model._config = cfg  # its test_dataloader.dataset.pipeline is the inferencers' pipeline
    model._metainfo = None
    if hasattr(model, 'is_init'):
        model.is_init = True
    return model.to(device).eval()


def inference_student(model_or_ckpt, image: Union[str, np.ndarray], device: Union[str, torch.device] = 'cpu') -> dict:
    """Classify one image with an exported student, as mmpretrain's ``inference_model`` does.

    Args:
        model_or_ckpt: a model from :func:`get_student`, or the path of an exported student.
        image (str | np.ndarray): an image file, or an array as ``mmcv.imread`` gives (H, W, 3) BGR
            or (H, W) gray; it goes through the exported test pipeline.
        device: where to build the model when given a path. Defaults to ``'cpu'``.

    Returns:
        dict: ``pred_label`` (int), ``pred_score`` (float), ``pred_scores`` (np.ndarray of every
        class's score) and ``pred_class`` (str, when the export carries the classes).
    """
    from mmengine.registry import DefaultScope
    from mmpretrain.apis import ImageClassificationInferencer

    if isinstance(model_or_ckpt, (str, os.PathLike)):
        model = get_student(model_or_ckpt, device)
    else:
        model = model_or_ckpt
    cfg = getattr(model, '_config', None)
    pipeline = cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline') if cfg is not None else None
    if pipeline is None:
        raise ValueError(
            'the model carries no test pipeline: pass the path of an exported student, or a model from '
            'get_student(ckpt, test_pipeline=[...]) when the export has none'
        )
    if isinstance(image, (list, tuple)):
        raise TypeError('inference_student takes one image; use ImageClassificationInferencer for several')
    with DefaultScope.overwrite_default_scope('mmkd'):  # the pipeline may use mmkd transforms (GrayToRGB)
        inferencer = ImageClassificationInferencer(model, pretrained=False)
        # the inferencer's own steps, without the progress bar its __call__ draws
        data = next(iter(inferencer.preprocess([image], batch_size=1)))
        return inferencer.postprocess(inferencer.forward(data), None)[0]
