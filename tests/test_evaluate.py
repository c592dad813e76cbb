"""tools/test.py on distiller checkpoints (no teacher file), exported students, and checkpoints that do not fit.

The checkpoints are built in-process from the demo's KD / DML configs (ResNet-18 at widths 1/2 and 1/4)
and saved as tools/train.py saves them; the weights are random: what is checked is which network is
built and that it holds exactly the checkpoint's tensors.
"""

import json
import os
import os.path as osp
import re

import pytest
import torch
from conftest import REPO, run_tool, write_tiny_config

KD = 'configs/demo/kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'
DML = 'configs/demo/dml_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'


def save_like_train(model, path):
    from mmengine.runner import save_checkpoint

    save_checkpoint({'state_dict': model.state_dict(), 'meta': dict(epoch=1, iter=2)}, path)


@pytest.fixture(scope='module')
def kd_run(tmp_path_factory, fashion_root):
    """(tiny KD config, distiller checkpoint) whose teacher checkpoint has been deleted."""
    from mmengine.config import Config

    from mmkd.models.distillers import build_classifier
    from mmkd.registry import MODELS

    tmp = tmp_path_factory.mktemp('kd_eval')
    teacher_ckpt = str(tmp / 'teacher.pth')
    teacher_cfg = Config.fromfile(osp.join(REPO, KD)).model.teacher.to_dict()
    torch.manual_seed(0)
    torch.save({'state_dict': build_classifier(teacher_cfg).state_dict()}, teacher_ckpt)
    cfg_path = write_tiny_config(
        tmp, KD, fashion_root, extra=f'model = dict(teacher_ckpt={teacher_ckpt!r})\n', num_train=16, num_test=16
    )
    model = MODELS.build(Config.fromfile(cfg_path).model)
    ckpt = str(tmp / 'epoch_1.pth')
    save_like_train(model, ckpt)
    os.remove(teacher_ckpt)
    return cfg_path, ckpt


def test_distiller_checkpoint_is_evaluated_without_its_teacher(kd_run, tmp_path):
    from mmkd.apis import load_config
    from mmkd.apis.evaluate import build_test_runner

    cfg_path, ckpt = kd_run
    metrics_out = str(tmp_path / 'metrics.json')
    proc = run_tool('test.py', cfg_path, ckpt, '--out', metrics_out, '--work-dir', str(tmp_path / 'test'))
    log = proc.stdout + proc.stderr
    student = {
        k[len('student.') :]: v
        for k, v in torch.load(ckpt, weights_only=True)['state_dict'].items()
        if k.startswith('student.')
    }
    assert f"evaluating the student ('student.' keys) of {ckpt}: {len(student)} tensors loaded strictly" in log
    with open(metrics_out) as f:
        top1 = json.load(f)['accuracy/top1']

    # the same code path in-process: the student alone, holding exactly the checkpoint's tensors
    cfg = load_config(cfg_path)
    cfg.work_dir = str(tmp_path / 'inproc')
    runner = build_test_runner(cfg, ckpt)
    assert type(runner.model).__name__ == 'ImageClassifier' and not hasattr(runner.model, 'teacher')
    got = runner.model.state_dict()
    assert sorted(got) == sorted(student) and all(torch.equal(got[k], student[k]) for k in student)
    assert runner.test()['accuracy/top1'] == pytest.approx(top1)


def test_exported_student_is_evaluated_directly(kd_run, tmp_path):
    from mmkd.apis import export_student

    cfg_path, ckpt = kd_run
    exported = str(tmp_path / 'student.pth')
    export_student(ckpt, exported)
    out_kd, out_exp = str(tmp_path / 'kd.json'), str(tmp_path / 'exported.json')
    run_tool('test.py', cfg_path, ckpt, '--out', out_kd, '--work-dir', str(tmp_path / 'a'))
    proc = run_tool('test.py', cfg_path, exported, '--out', out_exp, '--work-dir', str(tmp_path / 'b'))
    assert f"evaluating ImageClassifier of {exported}" in proc.stdout + proc.stderr
    with open(out_kd) as f, open(out_exp) as g:
        assert json.load(f) == json.load(g)


def test_a_checkpoint_that_does_not_fit_is_an_error_naming_the_keys(kd_run, tmp_path):
    from mmengine.config import Config

    from mmkd.apis import export_student, load_config
    from mmkd.apis.evaluate import CheckpointMismatchError, build_test_runner
    from mmkd.models.distillers import build_classifier

    cfg_path, ckpt = kd_run
    # the teacher-sized network (width 1/2) given to the width-1/4 student config
    wide = str(tmp_path / 'wide_raw.pth')
    save_like_train(build_classifier(Config.fromfile(osp.join(REPO, KD)).model.teacher.to_dict()), wide)
    export_student(wide, str(tmp_path / 'wide.pth'))
    proc = run_tool('test.py', cfg_path, str(tmp_path / 'wide.pth'), '--work-dir', str(tmp_path / 'w'), check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert 'CheckpointMismatchError' in log and 'nothing was scored' in log
    assert re.search(r'\d+ size-mismatched keys: backbone\.bn1\.bias: checkpoint \(32,\) vs model \(16,\)', log)
    assert 'accuracy/top1' not in log

    export_student(ckpt, str(tmp_path / 'backbone.pth'), backbone_only=True)
    cfg = load_config(cfg_path)
    cfg.work_dir = str(tmp_path / 'inproc')
    with pytest.raises(CheckpointMismatchError, match=r"2 missing keys: head\.fc\.bias, head\.fc\.weight"):
        build_test_runner(cfg, str(tmp_path / 'backbone.pth'))


def test_online_method_evaluates_eval_peer_and_names_a_wrong_export(tmp_path, fashion_root):
    from mmengine.config import Config

    from mmkd.apis import export_student, load_config
    from mmkd.apis.evaluate import CheckpointMismatchError, build_test_runner
    from mmkd.registry import MODELS

    cfg_path = write_tiny_config(tmp_path, DML, fashion_root, num_train=16, num_test=16)
    model = MODELS.build(Config.fromfile(cfg_path).model)
    ckpt = str(tmp_path / 'epoch_1.pth')
    save_like_train(model, ckpt)

    cfg = load_config(cfg_path)
    cfg.work_dir = str(tmp_path / 'a')
    runner = build_test_runner(cfg, ckpt)  # eval_peer=1: the width-1/4 peer
    assert runner.model.backbone.conv1.weight.shape[0] == 16
    assert torch.equal(runner.model.head.fc.weight, model.peers[1].head.fc.weight)

    export_student(ckpt, str(tmp_path / 'peer0.pth'), peer=0)
    cfg = load_config(cfg_path)
    cfg.work_dir = str(tmp_path / 'b')
    with pytest.raises(
        CheckpointMismatchError,
        match=r'exported from peers\.0 but the config evaluates peers\.1 '
        r'\(eval_peer=1\): re-export with --peer 1',
    ):
        build_test_runner(cfg, str(tmp_path / 'peer0.pth'))


def test_css_training_checkpoint_is_evaluated_as_the_css_model(tmp_path, fashion_root):
    """CSS.s own checkpoint (nets.0. / nets.1.) is scored with the CSS model; an exported CSS student is refused."""
    from mmengine.config import Config

    from mmkd.apis import load_config
    from mmkd.apis.evaluate import CheckpointMismatchError, build_test_runner
    from mmkd.registry import MODELS

    css = 'configs/demo/css_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'
    cfg_path = write_tiny_config(tmp_path, css, fashion_root, num_train=16, num_test=16)
    model = MODELS.build(Config.fromfile(cfg_path).model)
    ckpt = str(tmp_path / 'epoch_1.pth')
    save_like_train(model, ckpt)
    cfg = load_config(cfg_path)
    cfg.work_dir = str(tmp_path / 'a')
    runner = build_test_runner(cfg, ckpt)
    assert type(runner.model).__name__ == type(model).__name__
    mine, theirs = runner.model.state_dict(), model.state_dict()
    assert mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in theirs)
    torch.save(
        {'state_dict': {f'backbone.{k}': v for k, v in model.nets[0].backbone.state_dict().items()}}, tmp_path / 's.pth'
    )
    cfg = load_config(cfg_path)
    cfg.work_dir = str(tmp_path / 'b')
    with pytest.raises(CheckpointMismatchError, match='without a student classifier config'):
        build_test_runner(cfg, str(tmp_path / 's.pth'))
