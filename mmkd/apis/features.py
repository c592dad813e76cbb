"""Pooled backbone features of a whole dataset: what SSSD's k-means and the linear probe embed with."""

import copy
import os.path as osp

import numpy as np
import torch
from mmengine.dataset import default_collate
from mmengine.runner.checkpoint import _load_checkpoint

from mmkd.models.distillers.base import load_frozen_checkpoint

from .export import student_prefix
from .runner import model_config

LABEL_WRAPPERS = ('PseudoLabelDataset',)  # wrappers that only replace labels: embed what they wrap
FILTER_WRAPPERS = ('SkipUnreadableImages',)  # wrappers that only drop samples: keep them, embed through them


def _inner(ds_cfg):
    """The dataset under every label / filter wrapper of ``ds_cfg`` (the one that holds the pipeline)."""
    while isinstance(ds_cfg, dict) and ds_cfg.get('type') in LABEL_WRAPPERS + FILTER_WRAPPERS:
        ds_cfg = ds_cfg['dataset']
    return ds_cfg


def _without_label_wrappers(ds_cfg):
    """``ds_cfg`` with its label wrappers taken out at any depth; filter wrappers stay around what they wrap."""
    while isinstance(ds_cfg, dict) and ds_cfg.get('type') in LABEL_WRAPPERS:
        ds_cfg = ds_cfg['dataset']
    if isinstance(ds_cfg, dict) and ds_cfg.get('type') in FILTER_WRAPPERS:
        ds_cfg['dataset'] = _without_label_wrappers(ds_cfg['dataset'])
    return ds_cfg


def build_eval_dataset(cfg, split: str):
    """``split``'s dataset of ``cfg`` with the test pipeline (no augmentation, one view, true labels)."""
    from mmkd.registry import DATASETS

    loader = cfg.get(f'{split}_dataloader')
    if not loader or not loader.get('dataset'):
        raise ValueError(f'{cfg.filename} has no {split}_dataloader.dataset to embed')
    ds_cfg = _without_label_wrappers(copy.deepcopy(loader['dataset']))
    pipeline = None
    for name in ('test_dataloader', 'val_dataloader'):
        source = _inner((cfg.get(name) or {}).get('dataset'))
        if source and source.get('pipeline'):
            pipeline = copy.deepcopy(source['pipeline'])
            break
    if pipeline is None:
        raise ValueError(f'{cfg.filename} has no test_dataloader / val_dataloader pipeline to embed with')
    _inner(ds_cfg)['pipeline'] = pipeline
    return DATASETS.build(ds_cfg)


def load_feature_model(cfg, ckpt: str, device: str = 'cpu', with_exits: bool = True):
    """Build ``cfg.model`` and load the backbone (and SSSD exits, when there) from ``ckpt``.

    Returns (model, exits_loaded). The backbone is the model's own, or its ``student``'s.
    """
    from mmkd.registry import MODELS

    model = MODELS.build(model_config(cfg))
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f'checkpoint {ckpt} does not exist')
    state = _load_checkpoint(ckpt, map_location='cpu')
    state = state.get('state_dict', state)
    prefix = student_prefix(state)
    root = getattr(model, 'student', model)
    load_frozen_checkpoint(root.backbone, ckpt, 'backbone', prefix=prefix + 'backbone.')
    exits_loaded = False
    if with_exits and hasattr(model, 'exits') and any(k.startswith('exits.') for k in state):
        load_frozen_checkpoint(model.exits, ckpt, 'exits', prefix='exits.')
        exits_loaded = True
    return model.to(device).eval(), exits_loaded


@torch.no_grad()
def extract_features(
    model,
    dataset,
    batch_size: int = 256,
    num_workers: int = 0,
    device: str = 'cpu',
    exits: bool = False,
    desc: str = 'features',
    progress=True,
):
    """Pooled features of every image of ``dataset``, in order.

    ``progress`` (see :mod:`mmkd.utils.progress`) counts the images embedded; ``False`` is silent.

    Returns (list of (N, D) float32 arrays — one per SSSD exit when ``exits``, else one for the
    backbone's last stage —, (N,) int labels or None when the set has none).
    """
    from mmkd.utils.progress import ProgressReporter

    if len(dataset) == 0:
        raise ValueError('the target set is empty: no features to extract')
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers, collate_fn=default_collate
    )
    root = getattr(model, 'student', model)
    feats, labels = None, []
    with ProgressReporter(len(dataset), desc, 'img', progress) as bar:
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            inputs = data['inputs'].to(device)
            if exits:
                outs = model.exit_features(inputs)
            else:
                out = root.backbone(inputs)
                out = out[-1] if isinstance(out, (tuple, list)) else out
                outs = [torch.nn.functional.adaptive_avg_pool2d(out, 1).flatten(1)]
            feats = [[] for _ in outs] if feats is None else feats
            for store, f in zip(feats, outs):
                store.append(f.float().cpu().numpy())
            samples = data.get('data_samples') or []
            labels.extend(int(s.gt_label[0]) if 'gt_label' in s else None for s in samples)
            bar.update(len(inputs))
    feats = [np.concatenate(f) for f in feats]
    has_labels = len(labels) == len(feats[0]) and all(y is not None for y in labels)
    return feats, (np.asarray(labels, dtype=np.int64) if has_labels else None)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
