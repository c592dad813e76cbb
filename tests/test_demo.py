"""The main job (tools/demo.py) end to end in a reduced form, and the log analysis tools."""

import json
import os.path as osp

import pytest
import torch
from conftest import make_fashion_like, run_tool

pytestmark = pytest.mark.xdist_group('demo')


COMMON = [
    '--epochs',
    '2',
    '--num-train',
    '160',
    '--num-val',
    '64',
    '--num-test',
    '96',
    '--teacher-epochs',
    '2',
    '--teacher-num-train',
    '192',
    '--batch-size',
    '32',
    '--workers',
    '0',
    '--transfer-iters',
    '2',
    '--det-images',
    '16',
    '8',
]


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('demo')
    data = make_fashion_like(str(tmp / 'fashion'), num_train=256, num_test=96)
    work = str(tmp / 'work')
    # two seeds of the student alone and a teacher-based method, both transfers of both backbones
    args = ['--work-dir', work, '--data-root', data, *COMMON, '--methods', 'baseline', 'kd', '--seeds', '2']
    args += ['--transfers', 'det', 'seg', '--transfer-seeds', '1']
    first = run_tool('demo.py', *args, timeout=1500)
    return work, data, args, first


def summary(path: str) -> dict:
    with open(osp.join(path, 'summary.json')) as f:
        return json.load(f)


def test_demo_report_has_every_part(demo_run):
    work, _, _, proc = demo_run
    results = open(osp.join(work, 'results.md')).read()
    assert results in proc.stdout
    for row in ('| Teacher (ResNet-18 w1/2) |', '| Student alone |', '| Hinton KD |'):
        assert row in results
    assert 'gain vs. student alone (95 % CI)' in results and 'held-out val top-1' in results
    assert 'Hinton KD: ' in results and 'over the student alone' in results  # the sentence on noise
    assert '64 training images held out (images 192-255' in results
    assert 'Faster R-CNN bbox mAP (%) | DeepLabV3 mIoU (%)' in results
    assert '| Hinton KD |' in results.split('Transfer:')[1] and '| Student alone |' in results.split('Transfer:')[1]
    assert '| gain of Hinton KD (same seed, 95 % CI) |' in results
    for png in ('curves.png', 'accuracy.png'):
        with open(osp.join(work, png), 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    student = torch.load(osp.join(work, 'student.pth'), weights_only=True)
    assert student['state_dict'] and all(k.split('.')[0] in ('backbone', 'neck', 'head') for k in student['state_dict'])


def test_demo_table_numbers_are_the_runs_numbers(demo_run):
    work, _, _, _ = demo_run
    results = open(osp.join(work, 'results.md')).read()
    base = [summary(osp.join(work, f'seed{k}', 'baseline'))['test_top1'] for k in (0, 1)]
    kd = [summary(osp.join(work, f'seed{k}', 'kd'))['test_top1'] for k in (0, 1)]
    assert f'| {base[0]:.2f} / {base[1]:.2f} |' in results and f'| {kd[0]:.2f} / {kd[1]:.2f} |' in results
    from mmkd.apis.seed_stats import paired_gain

    gain = paired_gain(dict(enumerate(kd)), dict(enumerate(base)))
    assert f'| {gain.mean:+.2f} ({gain.low:+.2f} to {gain.high:+.2f}) |' in results
    teacher = summary(osp.join(work, 'teacher'))
    assert f'| {teacher["test_top1"]:.2f} | (trained once) |' in results
    seg = summary(osp.join(work, 'seed0', 'seg'))
    det = summary(osp.join(work, 'seed0', 'det-baseline'))
    assert 'mIoU' in seg['test_metrics'] and 'coco/bbox_mAP' in det['test_metrics']
    assert seg['inputs']['student_checkpoint'] == osp.join(work, 'seed0', 'export', 'student.pth')
    assert det['inputs']['student_checkpoint'] == osp.join(work, 'seed0', 'export-baseline', 'student.pth')


def test_demo_holds_the_validation_split_out_and_gives_the_teacher_to_every_seed(demo_run):
    from mmengine.config import Config

    work, _, _, _ = demo_run
    teacher = Config.fromfile(osp.join(work, 'teacher', 'config.py'))
    assert teacher.train_dataloader.dataset.num_samples == 192 and teacher.train_cfg.max_epochs == 2
    for seed in (0, 1):
        cfg = Config.fromfile(osp.join(work, f'seed{seed}', 'kd', 'config.py'))
        assert cfg.train_dataloader.dataset.num_samples == 160
        val, test = cfg.val_dataloader.dataset, cfg.test_dataloader.dataset
        assert (val.split, val.start, val.num_samples) == ('train', 192, 64)
        assert test.split == 'test' and test.get('start', 0) == 0
        assert cfg.model.teacher_ckpt == summary(osp.join(work, 'teacher'))['checkpoint']
        assert cfg.randomness.seed == seed
        assert not osp.exists(osp.join(work, f'seed{seed}', 'teacher'))  # trained once, not per seed


def test_demo_rerun_reuses_every_stage_and_a_fresh_run_reproduces_the_numbers(demo_run, tmp_path):
    work, data, args, _ = demo_run
    proc = run_tool('demo.py', *args, timeout=600)
    # teacher + 2 seeds x (baseline, kd) + export, det, seg for each of the two backbones
    assert proc.stdout.count('reusing the finished run') == 11
    assert 'training (' not in proc.stdout
    fresh = str(tmp_path / 'fresh')
    run_tool(
        'demo.py', '--work-dir', fresh, '--data-root', data, *COMMON, '--methods', 'baseline', '--transfers', 'seg',
        timeout=900,
    )  # fmt: skip
    again, first = summary(osp.join(fresh, 'baseline')), summary(osp.join(work, 'seed0', 'baseline'))
    assert again['test_top1'] == first['test_top1'] and again['val_metrics'] == first['val_metrics']
    seg_again = summary(osp.join(fresh, 'seg'))['test_metrics']
    assert seg_again == summary(osp.join(work, 'seed0', 'seg-baseline'))['test_metrics']


def test_plot_and_compare_tools_on_real_logs(demo_run, tmp_path):
    work = demo_run[0]
    runs = [osp.join(work, 'seed0', 'baseline'), osp.join(work, 'seed0', 'kd')]
    out = osp.join(tmp_path, 'curves.png')
    run_tool(osp.join('analysis', 'plot_curves.py'), *runs, '--keys', 'accuracy/top1', 'loss', '--out', out)
    assert open(out, 'rb').read(4) == b'\x89PNG'
    proc = run_tool(osp.join('analysis', 'compare_runs.py'), *runs, '--names', 'base', 'kd')
    from mmkd.utils.logs import final_metrics

    kd = final_metrics(runs[1], ['accuracy/top1'])['accuracy/top1']
    assert f'| kd | {kd["last"]:.2f} | {kd["best"]:.2f} (step {kd["best_step"]}) |' in proc.stdout
    bad = run_tool(osp.join('analysis', 'compare_runs.py'), str(tmp_path), check=False)
    assert bad.returncode != 0 and 'no mmengine json log' in bad.stderr


def test_presets_flags_and_bad_settings(tmp_path):
    """A flag overrides its preset; the benchmark preset runs every method but HSSAKD online under 3 seeds;
    a setting that cannot work is refused, naming the flag."""
    import sys

    sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'tools'))
    import demo

    from mmkd.apis.chain import METHOD_NAMES
    from mmkd.apis.demo import chain_options

    data = make_fashion_like(str(tmp_path / 'fashion'), num_train=64, num_test=16)

    def settings(*argv):
        return demo.settings_from(demo.parse_args([*argv, '--data-root', data]))

    quick = settings()
    assert (quick.methods, quick.seeds, quick.transfers, quick.total_train) == (
        ['baseline', 'kd', 'hssakd', 'mixskd'],
        1,
        ['det', 'seg'],
        64,
    )
    bench = settings('--preset', 'benchmark')
    assert (
        bench.methods == [m for m in METHOD_NAMES if m != 'hssakd-online'] and bench.seeds == bench.transfer_seeds == 3
    )
    one = settings('--preset', 'benchmark', '--seeds', '1', '--transfers', 'none', '--epochs', '5')
    assert (one.seeds, one.transfer_seeds, one.transfers, one.epochs, one.num_train) == (1, 1, [], 5, 3000)
    with pytest.raises(
        ValueError,
        match=r'--num-val 1000 held out after the 12000 images the stages train on '
        r'\(--num-train 3000, --teacher-num-train 12000\) needs 13000 training images; .* has 64',
    ):
        settings().check()
    with pytest.raises(ValueError, match='--transfer-seeds 2 must be between 0 and --seeds 1'):
        settings('--num-train', '32', '--num-val', '16', '--teacher-num-train', '32', '--transfer-seeds', '2').check()
    ok = settings('--num-train', '32', '--num-val', '16', '--teacher-num-train', '48')
    ok.check()
    assert ok.val_start == 48  # after the teacher's images too

    amp = settings('--amp', '--num-train', '32', '--num-val', '16', '--teacher-num-train', '48')
    assert chain_options(amp, 32, 1).cfg_options['optim_wrapper.type'] == 'AmpOptimWrapper'
    assert 'optim_wrapper.type' not in chain_options(ok, 32, 1).cfg_options
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match='--amp needs a GPU'):
            amp.check()
