"""One training run per work_dir: a second run stops at once naming the holder; a killed run's lock is taken over."""

import os
import os.path as osp
import signal
import socket
import subprocess
import sys

import pytest
from conftest import REPO, make_fashion_like, run_tool, write_tiny_config

from mmkd.utils.work_dir_lock import LOCK_NAME, WorkDirLock, WorkDirLockedError, is_lock_rank

# Holds the lock of argv[1] until killed (the module is loaded by path: no torch import, so it starts fast).
HOLDER = '''
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location('lock', {module!r})
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)
lock.WorkDirLock(sys.argv[1]).acquire()
print('locked', flush=True)
time.sleep(600)
'''


def start_holder(tmp_path, work_dir):
    script = osp.join(str(tmp_path), 'holder.py')
    with open(script, 'w') as f:
        f.write(HOLDER.format(module=osp.join(REPO, 'mmkd', 'utils', 'work_dir_lock.py')))
    holder = subprocess.Popen([sys.executable, script, work_dir, '--fake-flag'], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == 'locked'
    return holder


def test_lock_is_exclusive_names_the_holder_and_is_released(tmp_path):
    work = osp.join(str(tmp_path), 'work')
    first = WorkDirLock(work).acquire()
    with pytest.raises(WorkDirLockedError) as err:
        WorkDirLock(work).acquire()
    msg = str(err.value)
    assert f'work_dir {work} is in use by another training run (pid {os.getpid()} on host {socket.gethostname()}' in msg
    assert 'Wait for it to finish, or pass another --work-dir' in msg and f'delete {osp.join(work, LOCK_NAME)}' in msg
    first.release()
    assert not osp.exists(osp.join(work, LOCK_NAME))
    with WorkDirLock(work):  # free again, and no stale warning: release left nothing behind
        assert osp.isfile(osp.join(work, LOCK_NAME))


def test_lock_of_a_killed_run_is_taken_over_with_a_warning(tmp_path):
    work = osp.join(str(tmp_path), 'work')
    holder = start_holder(tmp_path, work)
    with pytest.raises(WorkDirLockedError, match=f'pid {holder.pid} .*command: .*holder.py {work} --fake-flag'):
        WorkDirLock(work).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert osp.isfile(osp.join(work, LOCK_NAME))  # the killed run could not clean up
    with pytest.warns(UserWarning, match=f'stale lock .* of a run that is not running \\(pid {holder.pid} on host'):
        lock = WorkDirLock(work).acquire()
    assert f'"pid": {os.getpid()}' in open(osp.join(work, LOCK_NAME)).read()
    lock.release()


def test_second_train_run_into_a_busy_work_dir_stops_before_creating_anything(tmp_path):
    data = make_fashion_like(str(tmp_path / 'fashion'), num_train=16, num_test=8)
    cfg = write_tiny_config(tmp_path, 'configs/demo/resnet18-w16_1xb64-3e_fashion-mnist.py', data)
    work = osp.join(str(tmp_path), 'work')  # the tiny config's work_dir
    holder = start_holder(tmp_path, work)
    try:
        proc = run_tool('train.py', cfg, check=False)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert proc.returncode == 1
    assert f'tools/train.py: work_dir {work} is in use by another training run (pid {holder.pid} ' in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert sorted(os.listdir(work)) == [LOCK_NAME]  # no log folder, no config dump: it stopped at once


@pytest.mark.parametrize(
    'env, takes',
    [
        ({}, True),
        ({'LOCAL_RANK': '0'}, True),
        ({'LOCAL_RANK': '1'}, False),
        ({'RANK': '0', 'LOCAL_RANK': '0'}, True),
        ({'RANK': '3', 'LOCAL_RANK': '0'}, False),
        ({'SLURM_PROCID': '2'}, False),
    ],
)
def test_only_rank_zero_takes_the_lock(monkeypatch, env, takes):
    for key in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK', 'LOCAL_RANK'):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert is_lock_rank() is takes
