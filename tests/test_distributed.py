"""tools/dist_train.sh with 2 CPU processes (gloo): one offline and one online method train a few
iterations, write checkpoints, and both ranks take part (each sees half of the data)."""

import glob
import os
import os.path as osp
import socket
import subprocess

import torch
from conftest import REPO, write_tiny_config

NUM_TRAIN, BATCH = 32, 8  # 2 iterations per epoch on each of 2 ranks, 4 on a single process


def resnet8(num_classes: int = 10) -> dict:
    return dict(
        type='ImageClassifier',
        backbone=dict(type='CIFARResNet', arch='resnet8'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=num_classes, in_channels=64, loss=dict(type='CrossEntropyLoss')),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def dist_train(config: str, work_dir: str, nproc: int = 2) -> str:
    """Run tools/dist_train.sh; return the rank-0 log text."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PORT=str(free_port()), PYTHONUNBUFFERED='1')
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), config, str(nproc)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f'dist_train.sh failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}'
    logs = glob.glob(osp.join(work_dir, '*', '*.log'))
    assert len(logs) == 1, logs
    with open(logs[0]) as f:
        return f.read()


def check_two_rank_run(log: str, work_dir: str) -> None:
    assert 'Distributed training: True' in log
    assert "dist_cfg: {'backend': 'gloo'}" in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size, CPU processes included
    # the distributed sampler splits 32 images over 2 ranks: 2 iterations of 8 per rank
    assert f'[1][2/{NUM_TRAIN // (2 * BATCH)}]' in log and '[1][3/' not in log
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))


def test_offline_hssakd_on_two_cpu_processes(tmp_path, fashion_root):
    from mmkd.models.distillers import build_classifier

    teacher = dict(type='SSADNet', student=resnet8(), aux_task='ssad')
    ckpt = osp.join(str(tmp_path), 'teacher.pth')
    torch.manual_seed(0)
    torch.save({'state_dict': build_classifier(teacher).state_dict()}, ckpt)
    model = dict(
        _delete_=True,
        type='HSSAKDDistiller',
        student=resnet8(),
        teacher=teacher,
        teacher_ckpt=ckpt,
        fast_teacher=dict(fold_bn=True, channels_last=True),
    )
    config = write_tiny_config(
        tmp_path,
        'configs/baseline/resnet18_1xb64-5e_fashion-mnist.py',
        fashion_root,
        extra=f'model = {model!r}\n',
        num_train=NUM_TRAIN,
        batch_size=BATCH,
        num_test=16,
    )
    work_dir = osp.join(str(tmp_path), 'work')
    log = dist_train(config, work_dir)
    check_two_rank_run(log, work_dir)
    assert 'loss_kl_q0' in log and 'loss_kl_p' in log
    state = torch.load(osp.join(work_dir, 'epoch_1.pth'), map_location='cpu', weights_only=False)['state_dict']
    assert any(k.startswith('student.') for k in state) and not any(k.startswith('teacher.') for k in state)


def test_online_dml_on_two_cpu_processes(tmp_path, fashion_root):
    model = dict(_delete_=True, type='DMLDistiller', peers=[resnet8(), resnet8()])
    config = write_tiny_config(
        tmp_path,
        'configs/baseline/resnet18_1xb64-5e_fashion-mnist.py',
        fashion_root,
        extra=f'model = {model!r}\n',
        num_train=NUM_TRAIN,
        batch_size=BATCH,
        num_test=16,
    )
    work_dir = osp.join(str(tmp_path), 'work')
    log = dist_train(config, work_dir)
    check_two_rank_run(log, work_dir)
    assert 'peer0.loss_kl' in log and 'peer1.loss_kl' in log
    state = torch.load(osp.join(work_dir, 'epoch_1.pth'), map_location='cpu', weights_only=False)['state_dict']
    assert any(k.startswith('peers.0.') for k in state) and any(k.startswith('peers.1.') for k in state)


def test_ranks_leave_the_process_group_together(tmp_path):
    """tools/train.py and tools/test.py end with close_process_group(): a barrier, then the group is destroyed,
    so no rank exits with a live gloo group (which can abort: "terminate called without an active exception")."""
    import torch.distributed as dist

    from mmkd.apis.runner import close_process_group

    close_process_group()  # no group: nothing to do
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "store"}', rank=0, world_size=1)
    assert dist.is_initialized()
    close_process_group()
    assert not dist.is_initialized()
