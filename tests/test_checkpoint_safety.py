"""Checkpoints survive a kill in the middle of a save (AtomicCheckpointHook), end to end through tools/train.py."""

import glob
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO, make_fashion_like, run_tool, write_tiny_config

# Runs tools/train.py with the write of one checkpoint stuck halfway: the file whose name starts with
# $STUCK_FILE gets half its bytes, then the process touches $STUCK_MARKER and sleeps until it is killed.
LAUNCHER = '''
import os, runpy, sys, time
sys.path.insert(0, {repo!r})
import mmkd.engine.hooks.atomic_checkpoint as atomic
from mmengine.evaluator import BaseMetric
from mmengine.logging import MessageHub
from mmkd.registry import METRICS


@METRICS.register_module()
class EpochScore(BaseMetric):
    """A score that rises every epoch, so every validation saves a new best checkpoint."""

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        return dict(epoch_score=MessageHub.get_current_instance().get_info('epoch') + 1)


real_open = open


class Stuck:
    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, data):
        self.f.write(data[:len(data) // 2])
        self.f.flush()
        os.fsync(self.f.fileno())
        real_open(os.environ['STUCK_MARKER'], 'w').close()
        time.sleep(600)

    def __getattr__(self, name):
        return getattr(self.f, name)


def stuck_open(path, mode='r', *args, **kwargs):
    f = real_open(path, mode, *args, **kwargs)
    stuck = os.environ.get('STUCK_FILE')
    return Stuck(f) if stuck and os.path.basename(path).startswith(stuck) else f


atomic.open = stuck_open
sys.argv = [os.path.join({repo!r}, 'tools', 'train.py'), *sys.argv[1:]]
runpy.run_path(sys.argv[0], run_name='__main__')
'''

CHECKPOINTS = '''
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, max_keep_ckpts=1, save_best={save_best!r}, rule='greater'))
'''


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return make_fashion_like(str(tmp_path_factory.mktemp('fashion')), num_train=32, num_test=16)


def tiny_config(tmp_path, data, save_best='accuracy/top1', extra=''):
    return write_tiny_config(
        tmp_path,
        'configs/demo/resnet18-w16_1xb64-3e_fashion-mnist.py',
        data,
        extra=CHECKPOINTS.format(save_best=save_best) + extra,
        max_epochs=3,
        batch_size=8,
        num_train=32,
        num_test=16,
    )


def launch_and_kill(tmp_path, *args, stuck_file):
    """Start tools/train.py through the launcher, wait until the write of ``stuck_file`` is stuck, SIGKILL it."""
    launcher = osp.join(str(tmp_path), 'launch.py')
    with open(launcher, 'w') as f:
        f.write(LAUNCHER.format(repo=REPO))
    marker = osp.join(str(tmp_path), 'stuck')
    env = dict(os.environ, OMP_NUM_THREADS='1', MMKD_ALLOCATOR='system', STUCK_MARKER=marker, STUCK_FILE=stuck_file)
    proc = subprocess.Popen(
        [sys.executable, launcher, *map(str, args)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    while not osp.exists(marker):
        if proc.poll() is not None:
            raise AssertionError(f'the run ended before writing {stuck_file}:\n{proc.stdout.read()[-6000:]}')
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return proc.pid


def load(path):
    from mmkd.utils import safe_load

    return safe_load(path, map_location='cpu')


def pointed(work):
    with open(osp.join(work, 'last_checkpoint')) as f:
        return f.read()


def names(work, pattern):
    return sorted(osp.basename(p) for p in glob.glob(osp.join(work, pattern)))


def assert_all_complete(work):
    for path in glob.glob(osp.join(work, '*.pth')):
        assert 'state_dict' in load(path), path


def test_kill_while_saving_the_latest_checkpoint_keeps_the_previous_one(tmp_path, data):
    cfg = tiny_config(tmp_path, data)
    work = osp.join(str(tmp_path), 'work')
    pid = launch_and_kill(tmp_path, cfg, stuck_file='.epoch_2.pth.')

    # max_keep_ckpts=1: epoch 1 is still there, and is what last_checkpoint names; epoch 2 is only a part file
    assert names(work, 'epoch_*.pth') == ['epoch_1.pth']
    assert pointed(work) == osp.join(work, 'epoch_1.pth')
    assert load(pointed(work))['meta']['epoch'] == 1
    part = osp.join(work, f'.epoch_2.pth.{pid}.part')
    assert osp.getsize(part) > 0
    with pytest.raises(Exception):
        torch.load(part, weights_only=True)  # truncated: the kill hit the middle of the write
    assert names(work, 'best_*.pth') == ['best_accuracy_top1_epoch_1.pth']
    assert_all_complete(work)

    proc = run_tool('train.py', cfg, '--resume')
    out = proc.stdout + proc.stderr
    assert 'resumed epoch: 1,' in out
    assert (
        f'Taking over the stale lock {osp.join(work, ".mmkd-train.lock")} of a run that is not running '
        f'(pid {pid} ' in out
    )
    assert names(work, 'epoch_*.pth') == ['epoch_3.pth']
    assert load(pointed(work))['meta']['epoch'] == 3
    assert not osp.exists(part) and not osp.exists(osp.join(work, '.mmkd-train.lock'))
    assert len(names(work, 'best_*.pth')) == 1
    assert_all_complete(work)


def test_kill_while_saving_a_new_best_keeps_the_previous_best(tmp_path, data):
    cfg = tiny_config(
        tmp_path, data, save_best='epoch_score', extra="val_evaluator = dict(_delete_=True, type='EpochScore')\n"
    )
    work = osp.join(str(tmp_path), 'work')
    pid = launch_and_kill(tmp_path, cfg, stuck_file='.best_epoch_score_epoch_2.pth.')

    # epoch 2 was saved and published before validation; the epoch-1 best is kept until a new best is complete
    assert names(work, 'epoch_*.pth') == ['epoch_2.pth']
    assert pointed(work) == osp.join(work, 'epoch_2.pth')
    assert names(work, 'best_*.pth') == ['best_epoch_score_epoch_1.pth']
    assert osp.getsize(osp.join(work, f'.best_epoch_score_epoch_2.pth.{pid}.part')) > 0
    assert_all_complete(work)

    assert load(osp.join(work, 'best_epoch_score_epoch_1.pth'))['meta']['epoch'] == 1
    # epoch_2.pth records the epoch-1 best, so a resume keeps comparing against (and later removes) that file
    assert load(pointed(work))['message_hub']['runtime_info']['best_ckpt'] == osp.join(
        work, 'best_epoch_score_epoch_1.pth'
    )


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path, monkeypatch):
    import mmkd.engine.hooks.atomic_checkpoint as atomic

    path = osp.join(str(tmp_path), 'epoch_1.pth')
    atomic.atomic_write(path, b'complete old checkpoint')

    def interrupted_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, 'fsync', interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        atomic.atomic_write(path, b'new')
    assert open(path, 'rb').read() == b'complete old checkpoint'
    assert os.listdir(str(tmp_path)) == ['epoch_1.pth']  # the part file is cleaned up


def test_plain_checkpoint_hook_of_any_config_becomes_atomic():
    from mmengine.config import Config

    from mmkd.engine.hooks.atomic_checkpoint import AtomicCheckpointHook, use_atomic_checkpoints

    det = Config.fromfile(
        osp.join(REPO, 'configs/transfer/mmdet/faster-rcnn_r18-w16_fpn_1xb8-600iter_fmnist-composed.py')
    )
    before = dict(det.default_hooks.checkpoint)
    assert use_atomic_checkpoints(det)
    assert dict(det.default_hooks.checkpoint) == dict(before, type='AtomicCheckpointHook')
    cls = Config.fromfile(osp.join(REPO, 'configs/demo/resnet18-w16_1xb64-3e_fashion-mnist.py'))
    assert cls.default_hooks.checkpoint.type == 'AtomicCheckpointHook'  # the mmkd default already
    assert not use_atomic_checkpoints(cls)
    import mmdet.registry
    import mmseg.registry
    from mmengine.registry import DefaultScope

    from mmkd.registry import HOOKS

    for registry, scope in ((mmdet.registry.HOOKS, 'mmdet'), (mmseg.registry.HOOKS, 'mmseg'), (HOOKS, 'mmkd')):
        with DefaultScope.overwrite_default_scope(scope):
            assert type(registry.build(dict(det.default_hooks.checkpoint))) is AtomicCheckpointHook, scope
