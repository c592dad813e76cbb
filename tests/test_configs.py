"""Every classification config in configs/ builds and takes one loss step on generated data.

A random checkpoint is written for ``model.teacher_ckpt`` (built from ``model.teacher``) and
``model.classifier_ckpt`` (built from ``model.student``), so configs of later pipeline stages are
covered too. Transfer configs (mmdet / mmseg) are exercised by tests/test_transfer.py.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.structures import DataSample

from conftest import REPO
from mmkd.models.distillers import build_classifier
from mmkd.registry import MODELS

CONFIGS = sorted(
    osp.relpath(p, REPO) for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p and f'{osp.sep}transfer{osp.sep}' not in p)
CHECKPOINT_SOURCES = {'teacher_ckpt': 'teacher', 'classifier_ckpt': 'student'}


def write_random_checkpoints(model_cfg: dict, tmp_path) -> None:
    for key, source in CHECKPOINT_SOURCES.items():
        if key in model_cfg and model_cfg.get(source) is not None:
            path = osp.join(str(tmp_path), f'{key}.pth')
            torch.save({'state_dict': build_classifier(model_cfg[source]).state_dict()}, path)
            model_cfg[key] = path


def fake_batch(cfg, model, size: int, n: int = 2):
    num_classes = getattr(getattr(getattr(model, 'student', None), 'head', None), 'num_classes', None)
    num_classes = num_classes or cfg.get('data_preprocessor', {}).get('num_classes') or 10
    g = torch.Generator().manual_seed(0)
    images = [torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8) for _ in range(n)]
    samples = [DataSample().set_gt_label(i % num_classes) for i in range(n)]
    if cfg.get('data_preprocessor', {}).get('type') == 'SelfSupDataPreprocessor':
        images = [torch.stack(images), torch.stack([img.flip(-1) for img in images])]  # one batch per view
    return model.data_preprocessor(dict(inputs=images, data_samples=samples), True)


def test_config_tree_is_not_empty():
    assert len(CONFIGS) > 40
    for method in ('baseline', 'kd', 'dml', 'hssakd'):
        assert any(p.startswith(f'configs{osp.sep}{method}{osp.sep}') for p in CONFIGS), method


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_and_takes_a_loss_step(path, tmp_path):
    cfg = Config.fromfile(osp.join(REPO, path))
    assert cfg.get('default_scope') == 'mmkd', f'{path}: default_scope must be mmkd'
    model_cfg = cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') else dict(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    write_random_checkpoints(model_cfg, tmp_path)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.train()
    size = min(cfg.get('input_size', 32), 64)  # ImageNet configs step at 64x64 to stay fast
    data = fake_batch(cfg, model, size)
    losses = model(**data, mode='loss')
    assert any('loss' in k for k in losses), f'{path}: no loss terms in {list(losses)}'
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss), f'{path}: loss {loss}'
    loss.backward()
    trained = [p for p in model.parameters() if p.requires_grad]
    assert trained and any(p.grad is not None and p.grad.abs().sum() > 0 for p in trained)
