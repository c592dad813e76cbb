"""tools/linear_probe.py --dataset: a frozen CIFAR-trained network probed on STL-10 / Tiny-ImageNet at 32x32
(HSSAKD's transfer study), on tiny generated copies of the two layouts."""

import json
import os.path as osp
import sys

import pytest
import torch
from conftest import REPO, probe_args
from mmengine.config import Config
from test_datasets_more import make_stl10, make_tiny_imagenet

sys.path.insert(0, osp.join(REPO, 'tools'))
import linear_probe as probe_tool  # noqa: E402

CIFAR_NET = osp.join(REPO, 'configs', 'baseline', 'wrn16-2_1xb64-240e_cifar100.py')  # an HSSAKD student's network
STL10 = osp.join(REPO, 'configs', '_base_', 'datasets', 'stl10_probe32.py')
TINY = osp.join(REPO, 'configs', '_base_', 'datasets', 'tiny_imagenet_probe32.py')


@pytest.fixture(scope='module')
def student(tmp_path_factory):
    """An 'exported student': the CIFAR-100 WRN-16-2's state dict (random weights; frozen here)."""
    from mmkd.registry import MODELS
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CIFAR_NET).model)
    path = str(tmp_path_factory.mktemp('student') / 'wrn16-2_student.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def _stl10(root):
    """STL-10 binaries whose 1-based labels 1 / 2 / 3 are images of distinct colours (separable by any net)."""
    import numpy as np

    make_stl10(root, labels=(1, 2, 3) * 6, num_test=1)
    for split, n in (('train', 18), ('test', 9)):
        ys = np.arange(n) % 3
        imgs = np.zeros((n, 3, 96, 96), np.uint8)
        imgs[np.arange(n), ys] = 220  # class c is bright in channel c
        imgs += np.random.default_rng(n).integers(0, 30, imgs.shape, dtype=np.uint8)
        imgs.tofile(osp.join(root, f'{split}_X.bin'))
        (ys + 1).astype(np.uint8).tofile(osp.join(root, f'{split}_y.bin'))
    return root


def test_stl10_probe_trains_on_augmented_images_with_the_config_protocol(tmp_path, student, monkeypatch, capsys):
    root = _stl10(str(tmp_path / 'stl10_binary'))
    seen = {}
    train = probe_tool.train_probe_on_images

    def spy(model, dataset, num_classes, *args, **kwargs):
        seen.update(pipeline=[type(t).__name__ for t in dataset.pipeline.transforms], classes=num_classes)
        seen.update(kwargs, preprocessor=model.data_preprocessor)
        return train(model, dataset, num_classes, *args, **kwargs)

    monkeypatch.setattr(probe_tool, 'train_probe_on_images', spy)
    out = tmp_path / 'probe.json'
    argv = [student, '--dataset', STL10, '--dataset-options', f'data_root={root}', '--epochs', '12']
    argv += ['--milestones', '8', '--probe-batch-size', '6', '--device', 'cpu', '--num-workers', '0', '--out', str(out)]
    monkeypatch.setattr(sys, 'argv', ['linear_probe.py', CIFAR_NET] + argv + ['--progress', 'off'])
    probe_tool.main()
    printed = capsys.readouterr().out
    results = json.loads(out.read_text())
    assert set(results) == {'backbone'} and results['backbone'] > 80  # 9 test images of 3 colours
    # the train pipeline (augmentation, 32x32) is what the probe trains on, re-embedded by the frozen net
    assert seen['pipeline'] == ['RandomResizedCrop', 'RandomFlip', 'PackInputs'] and seen['classes'] == 10
    # the config's protocol where the command line is silent: momentum 0.9, no weight decay, x0.1 steps
    assert seen['momentum'] == 0.9 and seen['weight_decay'] == 0.0 and seen['gamma'] == 0.1
    assert seen['milestones'] == [8] and seen['batch_size'] == 6
    assert 'epochs=12' in printed and 'augment=True' in printed and 'to_rgb=False' in printed
    # normalised with the CIFAR-100 network's statistics, not STL-10's
    mean = seen['preprocessor'].mean.flatten().tolist()
    assert mean == pytest.approx([129.304, 124.070, 112.434])


def test_protocol_of_the_dataset_configs_and_command_line_precedence():
    cfg = Config.fromfile(STL10)
    protocol = probe_tool.probe_protocol(probe_args(CIFAR_NET, 'x.pth', epochs=None, lr=None), cfg)
    paper = dict(epochs=100, lr=0.1, momentum=0.9, weight_decay=0.0, milestones=[30, 60, 90], gamma=0.1)
    assert protocol == dict(paper, batch_size=64, augment=True)
    assert Config.fromfile(TINY).linear_probe == cfg.linear_probe
    args = probe_args(CIFAR_NET, 'x.pth', epochs=3, lr=None, probe_batch_size=None, no_augment=True)
    assert probe_tool.probe_protocol(args, cfg)['epochs'] == 3 and not probe_tool.probe_protocol(args, cfg)['augment']
    # without --dataset: the tool's own cosine protocol on cached features
    assert probe_tool.probe_protocol(probe_args(CIFAR_NET, 'x.pth', epochs=None))['milestones'] is None
    cfg.linear_probe['epoch'] = 5
    with pytest.raises(ValueError, match=r"stl10_probe32\.py: linear_probe has unknown key\(s\) \['epoch'\]"):
        probe_tool.probe_protocol(probe_args(CIFAR_NET, 'x.pth'), cfg)


def test_tiny_imagenet_probe_reads_bgr_files_into_the_rgb_network(tmp_path, student, capsys):
    cfg = Config.fromfile(CIFAR_NET)
    assert cfg.data_preprocessor.to_rgb is False  # CIFAR arrays are RGB
    assert probe_tool.match_channel_order(cfg, Config.fromfile(TINY)) is True  # the JPEGs are read as BGR
    assert cfg.data_preprocessor.to_rgb is True and cfg.data_preprocessor.mean == [129.304, 124.070, 112.434]
    root = make_tiny_imagenet(str(tmp_path / 'tiny-imagenet-200'))
    args = probe_args(CIFAR_NET, student, dataset=TINY, dataset_options=dict(data_root=root, num_classes=3))
    args.no_augment, args.epochs, args.progress = True, 2, False
    results = probe_tool.linear_probe(args)
    assert set(results) == {'backbone'} and 0 <= results['backbone'] <= 100
    assert 'to_rgb=True' in capsys.readouterr().out
    args.dataset_options = dict(data_root=str(tmp_path / 'missing'))
    with pytest.raises(FileNotFoundError, match='missing/wnids.txt does not exist'):
        probe_tool.linear_probe(args)
