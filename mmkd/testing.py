"""Helpers to build any mmkd config without trained weights or data: random checkpoints for the
checkpoints a config reads at build time, and generated batches of the config's input size.

Used by the config-tree test and ``tools/benchmark.py``.
"""

import os.path as osp
from typing import List, Optional

import torch

# model keys that name a checkpoint read at build time -> the model keys whose config it fits, first found
# (SSKDTeacher's frozen classifier is model.classifier; SSADNet's is model.student)
CHECKPOINT_SOURCES = {'teacher_ckpt': ('teacher',), 'classifier_ckpt': ('classifier', 'student')}


def write_random_checkpoints(model_cfg: dict, out_dir: str) -> List[str]:
    """Write a randomly initialised checkpoint for every build-time checkpoint key of ``model_cfg``
    (see :data:`CHECKPOINT_SOURCES`) into ``out_dir`` and point the key at it, in place.

    Returns:
        list[str]: the keys that were filled.
    """
    from mmkd.models.distillers import build_classifier

    filled = []
    for key, sources in CHECKPOINT_SOURCES.items():
        source = next((s for s in sources if model_cfg.get(s) is not None), None)
        if key in model_cfg and source is not None:
            path = osp.join(str(out_dir), f'{key}.pth')
            torch.save({'state_dict': build_classifier(model_cfg[source]).state_dict()}, path)
            model_cfg[key] = path
            filled.append(key)
    return filled


def num_classes_of(cfg, model) -> int:
    """Classes of the student's head (or the data preprocessor's ``num_classes``; 10 if neither)."""
    head = getattr(getattr(model, 'student', None), 'head', None)
    num_classes = getattr(head, 'num_classes', None)
    return num_classes or cfg.get('data_preprocessor', {}).get('num_classes') or 10


def fake_data(cfg, model, size: int, n: int = 2, seed: int = 0) -> dict:
    """A batch as the dataloader delivers it: ``n`` uint8 images of ``size x size`` (a list, as
    ``pseudo_collate`` gives; for ``SelfSupDataPreprocessor`` two views, one stacked batch per view,
    as ``default_collate`` gives) and labelled ``DataSample``s."""
    from mmpretrain.structures import DataSample

    num_classes = num_classes_of(cfg, model)
    g = torch.Generator().manual_seed(seed)
    images = [torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8) for _ in range(n)]
    samples = [DataSample().set_gt_label(i % num_classes) for i in range(n)]
    if cfg.get('data_preprocessor', {}).get('type') == 'SelfSupDataPreprocessor':
        images = [torch.stack(images), torch.stack([img.flip(-1) for img in images])]  # one batch per view
    return dict(inputs=images, data_samples=samples)


def fake_batch(cfg, model, size: int, n: int = 2, seed: int = 0) -> dict:
    """:func:`fake_data` passed through ``model.data_preprocessor`` (training mode)."""
    return model.data_preprocessor(fake_data(cfg, model, size, n, seed), True)


def input_size_of(cfg, default: Optional[int] = 32) -> int:
    """The config's ``input_size`` (set by every dataset base)."""
    size = cfg.get('input_size', default)
    if size is None:
        raise KeyError(f'config {cfg.filename} sets no input_size; every dataset base in configs/_base_ should')
    return int(size)
