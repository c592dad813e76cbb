"""Progress output outside the runner (mmkd.utils.progress) and the linear probe's --device."""

import io
import json
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from conftest import REPO, gaussian_clusters, probe_args, write_tiny_config

from mmkd.apis.kmeans import run_kmeans
from mmkd.utils.progress import ProgressReporter, progress_mode, track

sys.path.insert(0, osp.join(REPO, 'tools'))
import linear_probe as probe_tool  # noqa: E402
import make_tiny_datasets as tiny_tool  # noqa: E402


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv('MMKD_PROGRESS', raising=False)


def test_plain_lines_when_not_a_tty():
    stream = io.StringIO()
    assert progress_mode(True, stream) == 'lines'  # a StringIO is no terminal
    with ProgressReporter(20, 'demo', 'img', stream=stream) as bar:
        for _ in range(20):
            bar.update()
    lines = stream.getvalue().splitlines()
    assert lines[0] == 'demo: 0/20 img (0%)'
    assert len(lines) == 11  # the start and every 10 %
    assert [line.split()[1] for line in lines] == [f'{2 * i}/20' for i in range(11)]
    assert lines[-1].startswith('demo: 20/20 img (100%)') and 'elapsed' in lines[-1]
    assert 'ETA' in lines[5] and 'ETA' not in lines[-1]


def test_silent_modes_and_env(capsys, monkeypatch):
    for off in (False, None, 'off'):
        with ProgressReporter(5, 'quiet', progress=off) as bar:
            bar.update(5)
        assert list(track(range(3), desc='quiet', progress=off)) == [0, 1, 2]
    assert capsys.readouterr() == ('', '')
    monkeypatch.setenv('MMKD_PROGRESS', 'off')
    with ProgressReporter(5, 'quiet') as bar:  # the environment silences the default
        bar.update(5)
    assert capsys.readouterr() == ('', '')
    stream = io.StringIO()
    list(track(range(4), desc='asked', progress='lines', stream=stream))  # an explicit mode wins
    assert stream.getvalue().splitlines()[-1].startswith('asked: 4/4 it')
    with pytest.raises(ValueError, match='progress='):
        progress_mode('loud')


def test_bar_when_asked_and_early_close_note():
    stream = io.StringIO()
    with ProgressReporter(7, 'barred', 'img', progress='bar', stream=stream) as bar:
        bar.update(7)
    assert '7/7' in stream.getvalue() and 'barred' in stream.getvalue()
    stream = io.StringIO()
    bar = ProgressReporter(100, 'km', 'step', progress='lines', stream=stream)
    bar.update_to(42)
    bar.close('converged at step 42/100')
    assert stream.getvalue().splitlines()[-1].startswith('km: 42/100 step (42%)')
    assert 'converged at step 42/100' in stream.getvalue()


def test_kmeans_identical_with_progress(capsys):
    feats, _ = gaussian_clusters(6, 600)
    km_a, a = run_kmeans(feats, 6, seed=0, progress=False)
    assert capsys.readouterr() == ('', '')
    km_b, b = run_kmeans(feats, 6, seed=0, progress='lines')
    out, err = capsys.readouterr()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(km_a.cluster_centers_, km_b.cluster_centers_)
    assert km_a.inertia_ == km_b.inertia_ and km_b.verbose == 0
    assert out == ''  # scikit-learn's verbose lines are consumed, not leaked to stdout
    assert 'k-means init: 3/3 init' in err
    assert 'k-means: 0/100 step' in err  # max_iter 100 x 600 samples / batch 600
    assert 'step' in err.splitlines()[-1]


class _TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        from mmpretrain.models import ClsDataPreprocessor

        torch.manual_seed(0)
        self.data_preprocessor = ClsDataPreprocessor(mean=[0.0] * 3, std=[255.0] * 3)
        self.backbone = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())


def test_feature_extraction_identical_with_progress(capsys):
    from mmpretrain.structures import DataSample

    from mmkd.apis.features import extract_features

    rng = np.random.default_rng(0)
    data = [
        dict(
            inputs=torch.as_tensor(rng.integers(0, 255, size=(3, 8, 8)), dtype=torch.uint8),
            data_samples=DataSample().set_gt_label(i % 3),
        )
        for i in range(10)
    ]
    model = _TinyNet().eval()
    (a,), ya = extract_features(model, data, batch_size=4, progress=False)
    assert capsys.readouterr() == ('', '')
    (b,), yb = extract_features(model, data, batch_size=4, desc='embed demo', progress='lines')
    err = capsys.readouterr().err
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert a.shape == (10, 4) and ya.tolist() == [i % 3 for i in range(10)]
    assert err.splitlines()[0] == 'embed demo: 0/10 img (0%)' and 'embed demo: 10/10 img (100%)' in err


def test_linear_probe_training_identical_with_progress_and_on_cpu(capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 6)).astype(np.float32), rng.integers(0, 3, size=40)
    a = probe_tool.train_linear_probe(x, y, 3, epochs=5, batch_size=16, progress=False)
    assert capsys.readouterr() == ('', '')
    b = probe_tool.train_linear_probe(
        x, y, 3, epochs=5, batch_size=16, device=torch.device('cpu'), progress='lines', desc='probe demo'
    )
    err = capsys.readouterr().err
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    assert 'probe demo: 0/5 epoch' in err and 'probe demo: 5/5 epoch (100%)' in err
    p = probe_tool.probe_probabilities(b, x)
    assert p.device.type == 'cpu' and p.shape == (40, 3)


def test_device_option(monkeypatch):
    assert probe_tool.resolve_device('cpu') == torch.device('cpu')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(ValueError, match=r'--device cuda: no CUDA GPU is available.*--device cpu'):
        probe_tool.resolve_device('cuda')
    with pytest.raises(ValueError, match="--device 'gpu0'"):
        probe_tool.resolve_device('gpu0')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    with pytest.raises(ValueError, match='--device cuda:3: only 1 CUDA device'):
        probe_tool.resolve_device('cuda:3')


def test_linear_probe_tool_on_cpu_reports_device(tmp_path, fashion_root, capsys, monkeypatch):
    from mmengine.config import Config

    from mmkd.registry import MODELS

    cfg_path = write_tiny_config(
        tmp_path, 'configs/demo/resnet18-w16_1xb64-3e_fashion-mnist.py', fashion_root, num_train=48, num_test=24
    )
    model = MODELS.build(Config.fromfile(cfg_path).model)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    args = probe_args(cfg_path, ckpt, epochs=3, probe_batch_size=16, batch_size=16, progress='lines')
    results = probe_tool.linear_probe(args)
    out, err = capsys.readouterr()
    assert set(results) == {'backbone'} and 0 <= results['backbone'] <= 100
    assert 'linear probe: embedding and probe training on cpu' in out
    assert 'embed train: 48/48 img (100%)' in err and 'probe backbone: 3/3 epoch (100%)' in err
    args.progress = False
    assert probe_tool.linear_probe(args) == results  # the same numbers without progress output
    assert capsys.readouterr().err == ''
    # cuda asked for where there is none: the tool stops with the option named, before any work
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(sys, 'argv', ['linear_probe.py', cfg_path, ckpt, '--device', 'cuda'])
    with pytest.raises(SystemExit, match='linear_probe: --device cuda: no CUDA GPU'):
        probe_tool.main()


def test_dataset_preparation_progress(tmp_path, capsys):
    from mmkd.datasets import compose_detection_split

    rng = np.random.default_rng(0)
    objs, labels = rng.integers(0, 255, size=(6, 28, 28)).astype(np.uint8), np.arange(6) % 3
    a = compose_detection_split(
        objs, labels, ['a', 'b', 'c'], str(tmp_path / 'a'), 'train', 5, canvas=96, progress=False
    )
    assert capsys.readouterr() == ('', '')
    b = compose_detection_split(
        objs, labels, ['a', 'b', 'c'], str(tmp_path / 'b'), 'train', 5, canvas=96, progress='lines'
    )
    assert 'compose train (detection): 5/5 img (100%)' in capsys.readouterr().err
    with open(a) as fa, open(b) as fb:
        assert json.load(fa) == json.load(fb)
    from mmkd.datasets.composed_segmentation import compose_segmentation_split

    compose_segmentation_split(objs, labels, str(tmp_path / 's'), 'val', 3, canvas=96, progress='lines')
    assert 'compose val (segmentation): 3/3 img (100%)' in capsys.readouterr().err
    tiny_tool.make_tiny_datasets(str(tmp_path / 't'), ['ade20k'], num=2, size=(80, 80), progress='lines')
    assert 'write ADE20K: 4/4 img (100%)' in capsys.readouterr().err


def test_export_reports_progress_for_large_checkpoints_only(tmp_path, monkeypatch, capsys):
    import torch

    from mmkd.apis import export as export_api

    ckpt = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {'student.backbone.w': torch.zeros(4)}, 'meta': {}}, ckpt)
    export_api.export_student(str(ckpt), str(tmp_path / 'small.pth'), progress='lines')
    assert 'export epoch_1.pth' not in capsys.readouterr().err  # below PROGRESS_MIN_BYTES: silent
    monkeypatch.setattr(export_api, 'PROGRESS_MIN_BYTES', 0)
    export_api.export_student(str(ckpt), str(tmp_path / 'large.pth'), progress='lines')
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith('export epoch_1.pth')]
    assert lines[0] == 'export epoch_1.pth: 0/3 steps (0%)' and lines[-1].startswith(
        'export epoch_1.pth: 3/3 steps (100%)'
    )
    assert torch.load(tmp_path / 'large.pth', weights_only=True)['state_dict'].keys() == {'backbone.w'}
