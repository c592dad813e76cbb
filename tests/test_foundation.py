"""Foundation: training, resume / load_from on torch >= 2.6, unsafe checkpoints, student export."""

import argparse
import glob
import os.path as osp

import pytest
import torch
from conftest import run_tool, write_tiny_config

BASELINE = 'configs/baseline/resnet18_1xb64-5e_fashion-mnist.py'


@pytest.fixture(scope='module')
def trained(tmp_path_factory, fashion_root):
    """Two epochs of the baseline on generated data, through tools/train.py."""
    tmp = tmp_path_factory.mktemp('baseline')
    cfg = write_tiny_config(tmp, BASELINE, fashion_root, max_epochs=2)
    run_tool('train.py', cfg)
    return cfg, osp.join(str(tmp), 'work')


def test_import_checks_stack():
    import mmkd
    from mmkd.utils import check_version

    assert mmkd.__version__
    assert torch.__version__.startswith('2.14')
    with pytest.raises(ImportError, match=r'mmengine>=9.0.0,<10.0.0.*mmengine==0.10'):
        check_version('mmengine', '9.0.0', '10.0.0')
    with pytest.raises(ImportError, match='no-such-package.*not installed'):
        check_version('no-such-package', '1.0', '2.0')


def test_registry_scope_reaches_mmpretrain():
    from mmpretrain.models import ImageClassifier

    from mmkd.registry import DATASETS, MODELS

    assert MODELS.scope == 'mmkd' and MODELS.parent.scope == 'mmpretrain'
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=18),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=512),
        )
    )
    assert isinstance(model, ImageClassifier)
    assert DATASETS.get('FashionMNISTIDX') is not None


def test_train_writes_checkpoints_and_logs(trained):
    _, work = trained
    assert osp.isfile(osp.join(work, 'epoch_1.pth')) and osp.isfile(osp.join(work, 'epoch_2.pth'))
    ckpt = torch.load(osp.join(work, 'epoch_2.pth'), weights_only=True)  # works thanks to the allow-list
    assert ckpt['meta']['epoch'] == 2
    assert any(k.startswith('backbone.') for k in ckpt['state_dict'])


def test_resume_continues_from_checkpoint(trained, tmp_path):
    cfg, work = trained
    proc = run_tool(
        'train.py',
        cfg,
        '--resume',
        osp.join(work, 'epoch_2.pth'),
        '--work-dir',
        tmp_path,
        '--cfg-options',
        'train_cfg.max_epochs=3',
    )
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 2' in log
    assert osp.isfile(osp.join(tmp_path, 'epoch_3.pth')) and not osp.isfile(osp.join(tmp_path, 'epoch_1.pth'))
    ckpt = torch.load(osp.join(tmp_path, 'epoch_3.pth'), weights_only=True)
    assert ckpt['meta']['epoch'] == 3


def test_load_from_restores_weights(trained, tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg_path, work = trained
    cfg = Config.fromfile(cfg_path)
    cfg.work_dir = str(tmp_path)
    cfg.load_from = osp.join(work, 'epoch_2.pth')
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    saved = torch.load(cfg.load_from, weights_only=True)['state_dict']
    for key, value in runner.model.state_dict().items():
        assert torch.equal(value, saved[key]), key


def test_foreign_pickled_object_is_refused(trained, tmp_path):
    from mmengine.runner import load_checkpoint

    from mmkd.utils import UnsafeCheckpointError

    _, work = trained
    ckpt = torch.load(osp.join(work, 'epoch_2.pth'), weights_only=True)
    ckpt['meta']['args'] = argparse.Namespace(lr=0.1)  # a classic foreign object in old checkpoints
    bad = osp.join(tmp_path, 'bad.pth')
    torch.save(ckpt, bad)
    with pytest.raises(UnsafeCheckpointError, match=r'bad\.pth.*argparse\.Namespace.*weights_only=True'):
        load_checkpoint(torch.nn.Linear(1, 1), bad, map_location='cpu')


def test_test_tool_evaluates(trained):
    cfg, work = trained
    proc = run_tool('test.py', cfg, osp.join(work, 'epoch_2.pth'))
    assert 'accuracy/top1' in proc.stdout


def _exported(trained, tmp_path, *flags):
    _, work = trained
    out = osp.join(tmp_path, 'student.pth')
    run_tool('export_student.py', osp.join(work, 'epoch_2.pth'), out, *flags)
    return out, torch.load(out, weights_only=True)


def test_export_plain_classifier(trained, tmp_path):
    out, ckpt = _exported(trained, tmp_path)
    keys = set(ckpt['state_dict'])
    assert {k.split('.')[0] for k in keys} == {'backbone', 'head'}
    assert ckpt['meta']['prefix'] == '' and ckpt['meta']['num_params'] > 11e6
    assert ckpt['meta']['backbone_type'] == 'ResNet'  # from the training config kept in the checkpoint
    _, backbone_only = _exported(trained, tmp_path, '--backbone-only', '--force')
    assert {k.split('.')[0] for k in backbone_only['state_dict']} == {'backbone'}


@pytest.mark.parametrize('toolbox', ['mmdet', 'mmseg'])
def test_exported_backbone_loads_in_detection_and_segmentation(trained, tmp_path, toolbox):
    import importlib

    out, ckpt = _exported(trained, tmp_path, '--backbone-only')
    registry = importlib.import_module(f'{toolbox}.registry').MODELS
    backbone = registry.build(
        dict(type='ResNet', depth=18, init_cfg=dict(type='Pretrained', checkpoint=out, prefix='backbone.'))
    )
    backbone.init_weights()
    exported = {k[len('backbone.') :]: v for k, v in ckpt['state_dict'].items()}
    own = backbone.state_dict()
    assert set(own) == set(exported), set(own) ^ set(exported)  # zero missing, zero unexpected
    for key, value in exported.items():
        assert torch.equal(own[key], value), key


def test_export_refuses_checkpoint_without_student(tmp_path):
    bad = osp.join(tmp_path, 'nostudent.pth')
    torch.save({'state_dict': {'foo.weight': torch.zeros(1)}}, bad)
    proc = run_tool('export_student.py', bad, osp.join(tmp_path, 'o.pth'), check=False)
    assert proc.returncode != 0 and 'holds no student' in proc.stderr
    assert not glob.glob(osp.join(tmp_path, 'o.pth*'))
