"""Every method's loss step runs under autocast: finite losses, finite gradients, a trained module that
learns (bf16 on CPU here; fp16 on CUDA where a GPU is present).

The models are the demo configs (ResNet-18 at width 1/4 and 1/2 on 32x32 Fashion-MNIST inputs), built
with random checkpoints for the checkpoints they read; SSKD runs with each transform set.
"""

import glob
import os.path as osp

import pytest
import torch
import torch.nn as nn
from conftest import REPO
from mmengine.config import Config

from mmkd.apis.runner import model_config
from mmkd.models.distillers.sskd import TRANSFORM_SETS, sskd_copies
from mmkd.registry import MODELS
from mmkd.testing import fake_batch, write_random_checkpoints

DEMO = osp.join('configs', 'demo')


def load(name: str, **overrides):
    """``(cfg, model config)`` of ``configs/demo/<name>_<N>xb<B>-<schedule>_fashion-mnist.py``, with
    ``overrides`` on the model."""
    (path,) = glob.glob(osp.join(REPO, DEMO, f'{name}_*xb*_fashion-mnist.py'))
    cfg = Config.fromfile(path)
    return cfg, dict(model_config(cfg), **overrides)


# case -> (how to get (cfg, model config), the attribute of the module that must learn)
CASES = {
    'baseline': (lambda: load('resnet18-w16'), None),
    'kd': (lambda: load('kd_resnet18-w32_resnet18-w16'), 'student'),
    'dml': (lambda: load('dml_resnet18-w32_resnet18-w16'), 'peers'),
    'hssakd_teacher': (lambda: load('hssakd-teacher_resnet18-w32'), 'branches'),
    'hssakd_teacher_joint': (lambda: load('hssakd-teacher-joint_resnet18-w32'), 'student'),
    'hssakd': (lambda: load('hssakd_resnet18-w32_resnet18-w16'), 'student'),
    'hssakd_online': (lambda: load('hssakd-online_resnet18-w32_resnet18-w16'), 'peers'),
    **{
        f'sskd_teacher_{ts}': ((lambda ts=ts: load('sskd-teacher_resnet18-w32', transform_set=ts)), 'ss_head')
        for ts in TRANSFORM_SETS
    },
    **{
        f'sskd_{ts}': ((lambda ts=ts: load('sskd_resnet18-w32_resnet18-w16', transform_set=ts)), 'student')
        for ts in TRANSFORM_SETS
    },
    'mixskd': (lambda: load('mixskd_resnet18-w16'), 'student'),
    'css': (lambda: load('css_resnet18-w32_resnet18-w16'), 'nets'),
    'sssd_moco': (lambda: load('sssd-moco_resnet18-w16'), 'backbone'),
    'sssd_sd': (lambda: load('sssd_resnet18-w16'), 'student'),
}


def first_layer(module: nn.Module) -> nn.Module:
    return next(m for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


def autocast_step(case: str, device: str, dtype: torch.dtype, tmp_path) -> None:
    """One ``mode='loss'`` step of ``case`` under ``torch.autocast(device, dtype)``, then backward."""
    get_cfg, learner = CASES[case]
    cfg, model_cfg = get_cfg()
    write_random_checkpoints(model_cfg, tmp_path)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg).to(device)
    model.train()
    data = fake_batch(cfg, model, size=32, n=2)
    learning = model if learner is None else getattr(model, learner)
    seen = []
    hook = first_layer(learning).register_forward_hook(lambda m, args, out: seen.append(out.dtype))
    with torch.autocast(device, dtype=dtype):
        losses = model(**data, mode='loss')
    hook.remove()
    assert seen and seen[0] == dtype, f'{case}: the learning module ran in {seen}, not under autocast'
    assert any('loss' in k for k in losses), f'{case}: no loss terms in {list(losses)}'
    for key, value in losses.items():
        assert torch.isfinite(value).all(), f'{case}: {key} = {value}'
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss), f'{case}: total loss {loss}'
    loss.backward()
    for name, param in model.named_parameters():
        if param.grad is not None:
            assert torch.isfinite(param.grad).all(), f'{case}: non-finite gradient of {name}'
    trained = [p for p in learning.parameters() if p.requires_grad]
    assert trained, f'{case}: {learner} has no trainable parameters'
    assert all(p.grad is not None for p in trained), f'{case}: a parameter of {learner} got no gradient'
    assert any(p.grad.abs().sum() > 0 for p in trained), f'{case}: every gradient of {learner} is zero'


def test_every_method_is_covered():
    methods = {model_cfg.get('type', 'ImageClassifier') for model_cfg in (get()[1] for get, _ in CASES.values())}
    assert methods == {
        'ImageClassifier',
        'KDDistiller',
        'DMLDistiller',
        'SSADNet',
        'HSSAKDDistiller',
        'OnlineHSSAKD',
        'SSKDTeacher',
        'SSKDDistiller',
        'MixSKDDistiller',
        'CSSDistiller',
        'LightlyMoCo',
        'SSSDDistiller',
    }


@pytest.mark.parametrize('case', sorted(CASES))
def test_loss_step_under_cpu_bf16_autocast(case, tmp_path):
    autocast_step(case, 'cpu', torch.bfloat16, tmp_path)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
@pytest.mark.parametrize('case', sorted(CASES))
def test_loss_step_under_cuda_fp16_autocast(case, tmp_path):
    autocast_step(case, 'cuda', torch.float16, tmp_path)


def test_paper4_copies_are_float32_and_unchanged_under_autocast():
    """The paper4 transforms run in float32 inside autocast: the same copies as without it."""
    mean, std = torch.tensor([120.0, 110.0, 100.0]).view(3, 1, 1), torch.tensor([60.0, 55.0, 50.0]).view(3, 1, 1)
    images = (torch.rand(16, 3, 8, 8, generator=torch.Generator().manual_seed(0)) * 255 - mean) / std
    plain = sskd_copies(images, 'paper4', mean, std, generator=torch.Generator().manual_seed(1))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        cast = sskd_copies(images, 'paper4', mean, std, generator=torch.Generator().manual_seed(1))
    assert cast.dtype == torch.float32
    assert torch.equal(cast, plain)
