"""tools/train.py --dry-run / --preflight: one training and one validation step on two samples, nothing written;
and a failed run leaves no empty log folder behind."""

import glob
import math
import os
import os.path as osp
import tempfile

import pytest
from conftest import REPO, make_fashion_like, run_tool, write_tiny_config
from mmengine.config import Config

from mmkd.apis.preflight import dry_run
from mmkd.testing import write_random_checkpoints

BASELINE = 'configs/demo/resnet18-w16_1xb64-3e_fashion-mnist.py'
DEMO_CONFIGS = sorted(osp.relpath(p, REPO) for p in glob.glob(osp.join(REPO, 'configs', 'demo', '*.py')))
# A test pipeline without PackInputs: the batch has no 'inputs', only at validation (the tiny loader is kept).
NO_PACK_INPUTS = '''
val_dataloader.update(dataset=dict(val_dataloader['dataset'], pipeline=[dict(type='GrayToRGB'),
                                                                        dict(type='Resize', scale=(32, 32))]))
test_dataloader = val_dataloader
'''


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return make_fashion_like(str(tmp_path_factory.mktemp('fashion')), num_train=32, num_test=16)


@pytest.fixture
def own_tmp(tmp_path, monkeypatch):
    """A private temporary folder (for this process and the tools it starts) to check that nothing is left."""
    tmp = tmp_path / 'tmp'
    tmp.mkdir()
    monkeypatch.setenv('TMPDIR', str(tmp))
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp))
    return tmp


def _point_at(node, data_root, ann_file):
    """Every Fashion-MNIST dataset of ``node`` reads ``data_root``; every pseudo-label file is ``ann_file``."""
    if isinstance(node, dict):
        if node.get('type') == 'FashionMNISTIDX':
            node['data_root'] = data_root
        for key in ('ann_file', 'cluster_to_class'):
            if isinstance(node.get(key), str) and node[key].endswith('.json'):
                node[key] = ann_file
        for value in node.values():
            _point_at(value, data_root, ann_file)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _point_at(value, data_root, ann_file)


@pytest.mark.parametrize('path', DEMO_CONFIGS)
def test_dry_run_of_every_demo_config(path, data, tmp_path, own_tmp):
    from mmkd.datasets.pseudo_label_dataset import write_pseudo_labels

    cfg = Config.fromfile(osp.join(REPO, path))
    ann = str(tmp_path / 'pseudo_labels.json')
    num_clusters = cfg.get('num_clusters', 10)
    write_pseudo_labels(
        ann,
        [i % num_clusters for i in range(32)],
        num_clusters,
        dict(cluster_to_class=[i % 10 for i in range(num_clusters)]),
    )
    _point_at(cfg._cfg_dict, data, ann)
    cfg.data_root = data  # the facts the datasets follow when the runner finalises the config
    if 'ann_file' in cfg:
        cfg.ann_file = ann
    write_random_checkpoints(cfg.model, tmp_path)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.launcher = 'none'
    result = dry_run(cfg)
    assert result['losses'] and all(math.isfinite(v) for v in result['losses'].values())
    if cfg.get('val_dataloader') is not None:  # MoCo pre-training has no validation
        assert result['metrics'], f'{path}: no validation metrics'
    else:
        assert result['metrics'] is None
    assert not osp.exists(cfg.work_dir)  # nothing written where the real run goes
    assert os.listdir(own_tmp) == []  # the dry run's temporary work_dir is gone


def test_dry_run_passes_without_writing_and_preflight_then_trains(data, tmp_path, own_tmp):
    cfg = write_tiny_config(tmp_path, BASELINE, data, max_epochs=2, batch_size=8, num_train=32, num_test=16)
    work = str(tmp_path / 'work')
    proc = run_tool('train.py', cfg, '--dry-run')
    assert 'dry run passed' in proc.stdout and 'accuracy/top1=' in proc.stdout
    assert 'Epoch(train) [1][1/1]' in proc.stdout and 'Epoch(train) [1][2/' not in proc.stdout  # one step
    assert not osp.exists(work) and os.listdir(own_tmp) == []

    proc = run_tool('train.py', cfg, '--preflight')
    assert proc.stdout.index('dry run passed') < proc.stdout.index('Epoch(train) [2][4/4]')
    # the real run's checkpoints only (max_keep_ckpts=2 of default_runtime); the dry run saved none
    assert sorted(osp.basename(p) for p in glob.glob(osp.join(work, 'epoch_*.pth'))) == ['epoch_1.pth', 'epoch_2.pth']
    log_dirs = glob.glob(osp.join(work, '2*_*'))  # the real run's log is in its own work_dir, not the dry run's
    assert len(log_dirs) == 1
    log = open(osp.join(log_dirs[0], osp.basename(log_dirs[0]) + '.log')).read()
    assert 'Epoch(train) [2][4/4]' in log and 'dry run' not in log
    assert os.listdir(own_tmp) == []


def test_dry_run_fails_fast_with_the_error_of_the_full_run(data, tmp_path):
    cfg = write_tiny_config(
        tmp_path, BASELINE, data, extra=NO_PACK_INPUTS, max_epochs=5, batch_size=8, num_train=32, num_test=16
    )
    work = str(tmp_path / 'work')
    dry = run_tool('train.py', cfg, '--preflight', check=False)
    assert dry.returncode == 1
    assert 'dry run: validation step failed' in dry.stderr
    error = dry.stderr.strip().splitlines()[-1]
    assert 'inputs' in error, dry.stderr[-3000:]  # the missing key is named
    assert 'Epoch(train) [1][2/' not in dry.stdout  # it stopped after one training step
    assert not glob.glob(osp.join(work, '*.pth')) and not glob.glob(osp.join(work, '2*_*'))

    full = run_tool('train.py', cfg, check=False)  # without the check: the same error, after a whole epoch
    assert full.returncode == 1 and full.stderr.strip().splitlines()[-1] == error
    assert 'Epoch(train) [1][4/4]' in full.stdout


def test_failed_run_keeps_only_its_log_with_the_traceback(data, tmp_path):
    extra = "custom_hooks = [dict(type='NoSuchHook')]\n"
    cfg = write_tiny_config(tmp_path, BASELINE, data, extra=extra, batch_size=8, num_train=32, num_test=16)
    work = tmp_path / 'work'
    old = work / '20000101_000000'  # an earlier run's log folder and checkpoint: never touched
    (old / 'vis_data').mkdir(parents=True)
    (work / 'epoch_1.pth').write_bytes(b'an earlier checkpoint')
    proc = run_tool('train.py', cfg, check=False)
    assert proc.returncode == 1 and 'NoSuchHook' in proc.stderr
    new = [d for d in glob.glob(str(work / '2*_*')) if d != str(old)]
    assert len(new) == 1 and os.listdir(new[0]) == [osp.basename(new[0]) + '.log']  # no empty vis_data
    log = osp.join(new[0], osp.basename(new[0]) + '.log')
    assert f'training failed; the log with the traceback is {log}' in proc.stderr
    assert 'The run failed:\nTraceback' in open(log).read() and 'NoSuchHook' in open(log).read()
    assert (old / 'vis_data').is_dir() and (work / 'epoch_1.pth').read_bytes() == b'an earlier checkpoint'
