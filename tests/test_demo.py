"""The main job (tools/demo.py) end to end in a reduced form, and the log analysis tools."""

import json
import os.path as osp

import pytest
import torch
from conftest import make_fashion_like, run_tool

pytestmark = pytest.mark.xdist_group('demo')


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('demo')
    data = make_fashion_like(str(tmp / 'fashion'), num_train=192, num_test=96)
    work = str(tmp / 'work')
    # three methods (a teacher-based one, a self-distilling one, the baseline); HSSAKD's chain: tests/test_chain.py
    args = [
        '--work-dir',
        work,
        '--data-root',
        data,
        '--epochs',
        '2',
        '--num-train',
        '192',
        '--num-test',
        '96',
        '--batch-size',
        '32',
        '--workers',
        '0',
        '--methods',
        'baseline',
        'kd',
        'mixskd',
        '--det-iters',
        '2',
        '--det-images',
        '16',
        '8',
    ]
    first = run_tool('demo.py', *args, timeout=1500)
    return work, args, first


def test_demo_writes_table_plots_and_student(demo_run):
    work, _, proc = demo_run
    results = open(osp.join(work, 'results.md')).read()
    for method in ('Teacher', 'Student alone', 'Hinton KD', 'MixSKD'):
        assert method in results
    assert 'bbox mAP' in results and 'composed' in results
    for png in ('curves.png', 'accuracy.png'):
        with open(osp.join(work, png), 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    student = torch.load(osp.join(work, 'student.pth'), weights_only=True)
    assert student['state_dict'] and all(k.split('.')[0] in ('backbone', 'neck', 'head') for k in student['state_dict'])
    det = json.load(open(osp.join(work, 'det', 'summary.json')))
    assert 'coco/bbox_mAP' in det['test_metrics'] and det['inputs']['student_checkpoint'] == osp.join(
        work, 'export', 'student.pth'
    )
    # every stage is the chain runner's: its merged config sits in its folder
    for stage in ('teacher', 'baseline', 'kd', 'mixskd', 'det'):
        assert osp.isfile(osp.join(work, stage, 'config.py')), stage
    # the table's numbers are the logged ones
    from mmkd.utils.logs import final_metrics

    base = final_metrics(osp.join(work, 'baseline'), ['accuracy/top1'])['accuracy/top1']['last']
    assert f'| Student alone | ResNet-18 w1/4 (0.7M) | {base:.2f} |' in results


def test_demo_rerun_reuses_finished_stages(demo_run):
    work, args, _ = demo_run
    proc = run_tool('demo.py', *args[:-3], '--det-iters', '0', timeout=600)
    assert proc.stdout.count('reusing the finished run') == 4  # teacher, baseline, kd, mixskd
    assert 'training (' not in proc.stdout


def test_plot_and_compare_tools_on_real_logs(demo_run, tmp_path):
    work, _, _ = demo_run
    runs = [osp.join(work, 'baseline'), osp.join(work, 'kd')]
    out = osp.join(tmp_path, 'curves.png')
    run_tool(osp.join('analysis', 'plot_curves.py'), *runs, '--keys', 'accuracy/top1', 'loss', '--out', out)
    assert open(out, 'rb').read(4) == b'\x89PNG'
    proc = run_tool(osp.join('analysis', 'compare_runs.py'), *runs, '--names', 'base', 'kd')
    from mmkd.utils.logs import final_metrics

    kd = final_metrics(runs[1], ['accuracy/top1'])['accuracy/top1']
    assert f'| kd | {kd["last"]:.2f} | {kd["best"]:.2f} (step {kd["best_step"]}) |' in proc.stdout
    bad = run_tool(osp.join('analysis', 'compare_runs.py'), str(tmp_path), check=False)
    assert bad.returncode != 0 and 'no mmengine json log' in bad.stderr
