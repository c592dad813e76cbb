"""Every config that keeps a "best" checkpoint selects it on a metric that training moves.

For each classification config with ``default_hooks.checkpoint.save_best`` set, the model is built, its
predictions on a generated batch are handed to the config's own evaluator, and the metric that produces the
selection key (``'auto'``: the first key, as mmengine's CheckpointHook takes it) is located, with the
prediction fields it reads. Real training steps on that batch follow (the
config's optimizer wrapper and ``train_step``); within a few, those fields of the predictions must change
(a continuous score at the first step, a per-sample hit once the batch is fitted). A frozen classifier
scored by ``accuracy/top1`` fails here: its predictions never change, so "best" would stay the first epoch's checkpoint.
"""

import copy
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO
from mmengine.config import Config

from mmkd.apis.config import finalize_config
from mmkd.apis.runner import model_config
from mmkd.registry import MODELS
from mmkd.testing import fake_data, write_random_checkpoints


def _save_best(path):
    cfg = Config.fromfile(osp.join(REPO, path))
    return ((cfg.get('default_hooks') or {}).get('checkpoint') or {}).get('save_best')


ALL = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p and f'{osp.sep}transfer{osp.sep}' not in p
)
SELECTING = [p for p in ALL if _save_best(p) is not None]
MAX_STEPS = 30


def _flat(value):
    """Every number inside a metric's stored result, as one float64 vector."""
    if isinstance(value, torch.Tensor):
        return [value.detach().double().flatten().numpy()]
    if isinstance(value, np.ndarray):
        return [value.astype(np.float64).ravel()]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [np.array([value], dtype=np.float64)]
    if isinstance(value, dict):
        return [a for k in sorted(value) for a in _flat(value[k])]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _flat(v)]
    return []


class _Reads(dict):
    """A data sample (as the evaluator hands it to a metric) that records which fields the metric reads."""

    def __init__(self, data, reads: set):
        super().__init__(data)
        self.reads = reads

    def __getitem__(self, key):
        self.reads.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.reads.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.reads.add(key)
        return super().__contains__(key)


def _metric_inputs(model, evaluator, data):
    """The predictions of ``data``, the fields each metric reads, and {metric key: metric index}."""
    model.eval()
    with torch.no_grad():
        outputs = [o.to_dict() for o in model.val_step(copy.deepcopy(data))]
    reads, owner = {}, {}
    for i, metric in enumerate(evaluator.metrics):
        reads[i] = set()
        metric.process(data, [_Reads(o, reads[i]) for o in outputs])
        for key in metric.evaluate(len(outputs)):  # clears the metric's results
            owner.setdefault(key, i)
    return outputs, reads, owner


def test_the_selecting_configs_are_found():
    assert len(SELECTING) >= 20, SELECTING
    assert any('hssakd-teacher' in p for p in SELECTING)


def _unmoved_selection_keys(path, tmp_path, **options):
    """The selection keys of ``path`` (with ``options``) whose predictions training leaves unchanged."""
    from mmengine.evaluator import Evaluator
    from mmengine.optim import build_optim_wrapper

    cfg = Config.fromfile(osp.join(REPO, path))
    cfg.merge_from_dict(options)
    cfg = finalize_config(cfg)
    save_best = cfg.default_hooks.checkpoint.save_best
    model_cfg = model_config(cfg)
    write_random_checkpoints(model_cfg, tmp_path)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    evaluator = Evaluator(cfg.val_evaluator)
    data = fake_data(cfg, model, 32, n=2)  # 32 px for every input size: only the change is asserted
    before, reads, owner = _metric_inputs(model, evaluator, data)
    keys = [save_best] if isinstance(save_best, str) and save_best != 'auto' else list(save_best)
    if save_best == 'auto':
        keys = [next(iter(owner))]
    for key in keys:
        assert key in owner, f'{path}: save_best={key!r} is not a metric of val_evaluator (it gives {list(owner)})'
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)

    def numbers(outputs, key):
        fields = sorted(reads[owner[key]])
        values = [a for o in outputs for f in fields for a in _flat(o.get(f))]
        assert values, f'{path}: {key}: its metric reads no numeric prediction ({fields})'
        return np.concatenate(values)

    old = {k: numbers(before, k) for k in keys}
    still = list(keys)
    for step in range(MAX_STEPS):  # fitting the evaluated batch itself; a discrete field moves once it fits
        model.train()
        model.train_step(copy.deepcopy(data), optim_wrapper)
        after, _, _ = _metric_inputs(model, evaluator, data)
        still = [k for k in still if np.array_equal(old[k], numbers(after, k))]
        if not still:
            break
    return still


@pytest.mark.parametrize('path', SELECTING)
def test_selection_metric_moves_when_the_model_trains(path, tmp_path):
    still = _unmoved_selection_keys(path, tmp_path)
    assert not still, (
        f'{path}: save_best={still[0]!r} is computed from predictions that {MAX_STEPS} training steps '
        'leave unchanged (a frozen network): "best" would stay the first checkpoint'
    )


def test_a_frozen_classifier_scored_by_its_accuracy_is_caught(tmp_path):
    path = 'configs/demo/hssakd-teacher_resnet18-w32_1xb64-3e_fashion-mnist.py'
    assert _unmoved_selection_keys(path, tmp_path) == []  # as shipped: the branches' joint accuracy moves
    assert _unmoved_selection_keys(path, tmp_path, **{'default_hooks.checkpoint.save_best': 'accuracy/top1'}) == [
        'accuracy/top1'
    ]
