"""tools/test.py's mmpretrain switches: --out predictions or metrics (--out-item), --show-dir, --tta.

One tiny KD checkpoint (random weights, built in-process, its teacher file deleted) is evaluated through
its student; two tools/test.py runs cover the switches, the config errors are checked in-process.
"""

import ast
import json
import os
import os.path as osp
import pickle
import runpy

import pytest
import torch
from conftest import REPO, run_tool, write_tiny_config

KD = 'configs/demo/kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'
NUM_TEST = 12
TTA = '''
tta_model = dict(type='mmpretrain.AverageClsScoreTTA')
tta_pipeline = [dict(type='GrayToRGB'), dict(type='Resize', scale=(32, 32)),
                dict(type='TestTimeAug',
                     transforms=[[dict(type='RandomFlip', prob=1.), dict(type='RandomFlip', prob=0.)],
                                 [dict(type='PackInputs')]])]
'''


@pytest.fixture(scope='module')
def kd_ckpt(tmp_path_factory, fashion_root):
    """(tiny KD config, the same with tta_model / tta_pipeline, distiller checkpoint); no teacher file left."""
    from mmengine.config import Config
    from mmengine.runner import save_checkpoint

    from mmkd.models.distillers import build_classifier
    from mmkd.registry import MODELS

    tmp = tmp_path_factory.mktemp('test_tool')
    teacher_ckpt = str(tmp / 'teacher.pth')
    torch.manual_seed(0)
    torch.save(
        {'state_dict': build_classifier(Config.fromfile(osp.join(REPO, KD)).model.teacher.to_dict()).state_dict()},
        teacher_ckpt,
    )
    extra = f'model = dict(teacher_ckpt={teacher_ckpt!r})\n'
    cfg_path = write_tiny_config(tmp, KD, fashion_root, extra=extra, num_train=8, num_test=NUM_TEST)
    os.makedirs(tmp / 'tta', exist_ok=True)
    tta_path = write_tiny_config(tmp / 'tta', KD, fashion_root, extra=extra + TTA, num_train=8, num_test=NUM_TEST)
    ckpt = str(tmp / 'epoch_1.pth')
    save_checkpoint(
        {'state_dict': MODELS.build(Config.fromfile(cfg_path).model).state_dict(), 'meta': dict(epoch=1, iter=1)}, ckpt
    )
    os.remove(teacher_ckpt)
    return cfg_path, tta_path, ckpt


def test_out_predictions_and_show_dir(kd_ckpt, tmp_path):
    cfg_path, _, ckpt = kd_ckpt
    preds, vis = str(tmp_path / 'preds.pkl'), str(tmp_path / 'vis')
    proc = run_tool(
        'test.py',
        cfg_path,
        ckpt,
        '--out',
        preds,
        '--show-dir',
        vis,
        '--interval',
        2,
        '--no-pin-memory',
        '--work-dir',
        str(tmp_path / 'w'),
    )
    assert "evaluating the student ('student.' keys)" in proc.stdout + proc.stderr
    with open(preds, 'rb') as f:
        samples = pickle.load(f)
    assert len(samples) == NUM_TEST
    for s in samples:
        assert s['pred_score'].shape == (10,) and int(s['pred_label']) == int(s['pred_score'].argmax())
    # the printed top-1 is the dumped predictions' accuracy
    hits = sum(int(s['pred_label']) == int(s['gt_label']) for s in samples)
    printed = ast.literal_eval(proc.stdout.strip().splitlines()[-1])
    assert printed['accuracy/top1'] == pytest.approx(100.0 * hits / NUM_TEST, abs=1e-4)
    drawn = sorted(os.listdir(vis))
    assert len(drawn) == NUM_TEST // 2 and all(name.endswith('.png') for name in drawn)


def test_tta_and_out_metrics(kd_ckpt, tmp_path):
    _, tta_path, ckpt = kd_ckpt
    metrics = str(tmp_path / 'm.json')
    proc = run_tool(
        'test.py', tta_path, ckpt, '--tta', '--out', metrics, '--out-item', 'metrics', '--work-dir', str(tmp_path / 'w')
    )
    assert "evaluating the student ('student.' keys)" in proc.stdout + proc.stderr
    with open(metrics) as f:
        got = json.load(f)
    assert 0.0 <= got['accuracy/top1'] <= 100.0


def test_tta_wraps_the_student_loaded_strictly(kd_ckpt, tmp_path):
    from mmkd.apis import load_config
    from mmkd.apis.evaluate import build_test_runner

    _, tta_path, ckpt = kd_ckpt
    cfg = load_config(tta_path)
    cfg.work_dir = str(tmp_path / 'inproc')
    runner = build_test_runner(cfg, ckpt, tta=True)
    assert type(runner.model).__name__ == 'AverageClsScoreTTA'
    assert type(runner.model.module).__name__ == 'ImageClassifier'
    student = {
        k[len('student.') :]: v
        for k, v in torch.load(ckpt, weights_only=True)['state_dict'].items()
        if k.startswith('student.')
    }
    got = runner.model.module.state_dict()
    assert sorted(got) == sorted(student) and all(torch.equal(got[k], student[k]) for k in student)
    assert cfg.test_dataloader.dataset.pipeline[-1]['type'] == 'TestTimeAug'
    # each test image comes as its flipped and unflipped views; the score is their mean
    batch = next(iter(runner.test_dataloader))
    views = [{k: v[i] for k, v in batch.items()} for i in range(2)]
    scores = [runner.model.module.test_step(v)[0].pred_score for v in views]
    assert torch.allclose(runner.model.test_step(batch)[0].pred_score, (scores[0] + scores[1]) / 2, atol=1e-6)


def _tool_main(*argv):
    return runpy.run_path(osp.join(REPO, 'tools', 'test.py'), run_name='tools_test')['main'](list(map(str, argv)))


def test_tta_without_tta_model_names_the_config(kd_ckpt, tmp_path):
    cfg_path, _, ckpt = kd_ckpt
    with pytest.raises(ValueError, match=rf'--tta: {cfg_path} defines no tta_model and no tta_pipeline'):
        _tool_main(cfg_path, ckpt, '--tta', '--work-dir', tmp_path / 'w')


def test_out_item_defaults_and_errors(kd_ckpt, tmp_path):
    cfg_path, _, ckpt = kd_ckpt
    tool = runpy.run_path(osp.join(REPO, 'tools', 'test.py'), run_name='tools_test')
    item = lambda *argv: tool['out_item'](tool['parse_args']([cfg_path, ckpt, *argv]), 'mmpretrain')  # noqa: E731
    # mmpretrain's default for a pickle; the metrics for a .json file, as tools/test.py always wrote
    assert item('--out', 'p.pkl') == 'pred' and item('--out', 'm.json') == 'metrics'
    assert item('--out', 'm.pkl', '--out-item', 'metrics') == 'metrics'
    assert tool['out_item'](tool['parse_args']([cfg_path, ckpt, '--out', 'masks']), 'mmseg') == 'seg_dir'
    with pytest.raises(SystemExit, match='the predictions are pickled'):
        _tool_main(cfg_path, ckpt, '--out', tmp_path / 'p.json', '--out-item', 'pred', '--work-dir', tmp_path)
    with pytest.raises(SystemExit):  # argparse: --out-item needs --out
        _tool_main(cfg_path, ckpt, '--out-item', 'pred')
    with pytest.raises(SystemExit, match='the metrics are dumped as'):
        _tool_main(cfg_path, ckpt, '--out', tmp_path / 'metrics.txt', '--work-dir', tmp_path)
