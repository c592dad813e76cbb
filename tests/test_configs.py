"""Every classification config in configs/ builds and takes one loss step on generated data.

A random checkpoint is written for ``model.teacher_ckpt`` (built from ``model.teacher``) and
``model.classifier_ckpt`` (built from ``model.student``), so configs of later pipeline stages are
covered too. Transfer configs (mmdet / mmseg) are exercised by tests/test_transfer.py.
"""

import glob
import os.path as osp

import pytest
import torch
from conftest import REPO
from mmengine.config import Config

from mmkd.apis.config import finalize_config
from mmkd.apis.runner import model_config
from mmkd.registry import MODELS
from mmkd.testing import fake_batch, write_random_checkpoints

CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p and f'{osp.sep}transfer{osp.sep}' not in p
)


def test_config_tree_is_not_empty():
    assert len(CONFIGS) > 40
    for method in ('baseline', 'kd', 'dml', 'hssakd'):
        assert any(p.startswith(f'configs{osp.sep}{method}{osp.sep}') for p in CONFIGS), method


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_and_takes_a_loss_step(path, tmp_path):
    cfg = finalize_config(Config.fromfile(osp.join(REPO, path)))  # as the tools and MMKDRunner build it
    assert cfg.get('default_scope') == 'mmkd', f'{path}: default_scope must be mmkd'
    model_cfg = model_config(cfg)
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
