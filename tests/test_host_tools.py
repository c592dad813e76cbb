"""mmpretrain's own APIs and tools on mmkd configs: the registry they build in, get_model, and the scripts
(get_flops, browse_dataset, print_config, confusion_matrix, vis_cam) through tools/mmpretrain_tool.py."""

import importlib.util
import os.path as osp
import pickle

import pytest
import torch
from mmengine.registry import Registry

from mmkd.apis.runner import load_config
from mmkd.models.distillers.base import allow_missing_checkpoints
from mmkd.registry import SharedRegistry

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO = osp.join(REPO, 'configs', 'demo')
FASHION = '/usr/share/datasets/fashion-mnist'
needs_fashion = pytest.mark.skipif(
    not osp.isdir(FASHION), reason=f'Fashion-MNIST IDX files are not in {FASHION} (dataset-fashion-mnist)'
)

# one config per method (and stage kind) -> the model type get_model builds
METHOD_CONFIGS = {
    'resnet18-w16_1xb64-3e_fashion-mnist.py': 'ImageClassifier',
    'kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py': 'KDDistiller',
    'dml_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py': 'DMLDistiller',
    'hssakd-teacher_resnet18-w32_1xb64-3e_fashion-mnist.py': 'SSADNet',
    'hssakd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py': 'HSSAKDDistiller',
    'hssakd-online_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py': 'OnlineHSSAKD',
    'sskd-teacher_resnet18-w32_1xb64-3e_fashion-mnist.py': 'SSKDTeacher',
    'sskd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py': 'SSKDDistiller',
    'mixskd_resnet18-w16_1xb64-3e_fashion-mnist.py': 'MixSKDDistiller',
    'css_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py': 'CSSDistiller',
    'sssd-moco_resnet18-w16_1xb128-4e_fashion-mnist.py': 'LightlyMoCo',
    'sssd_resnet18-w16_1xb64-3e_fashion-mnist.py': 'SSSDDistiller',
}


def tool():
    spec = importlib.util.spec_from_file_location('mmpretrain_tool', osp.join(REPO, 'tools', 'mmpretrain_tool.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(*argv):
    tool().main([str(a) for a in argv])


# ----------------------------------------------------------------------------------------- registries
def test_mmkd_modules_are_built_by_mmpretrain_registries():
    from mmpretrain.registry import MODELS as HOST_MODELS
    from mmpretrain.registry import TRANSFORMS as HOST_TRANSFORMS

    from mmkd.registry import MODELS, TRANSFORMS
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=False)
    for name in ('KDDistiller', 'SSSDDistiller', 'LightlyMoCo', 'CSSNetwork', 'SSADNet'):
        assert HOST_MODELS.get(name) is MODELS.get(name), name
    # a name mmpretrain has keeps mmpretrain's module in its scope and ours in mmkd's
    assert TRANSFORMS.get('LoadImageFromFile').__module__.startswith('mmkd')
    assert not HOST_TRANSFORMS.get('LoadImageFromFile').__module__.startswith('mmkd')


def test_shared_registry_copies_free_names_only():
    parent = Registry('toy', scope='host_toy')
    child = SharedRegistry('toy', parent=parent, scope='child_toy')

    @parent.register_module(name='Taken')
    class HostTaken:
        pass

    @child.register_module()
    class Fresh:
        pass

    @child.register_module(name=['Taken', 'Alias'])
    class OursTaken:
        pass

    assert parent.get('Fresh') is Fresh and parent.get('Alias') is OursTaken
    assert parent.get('Taken') is HostTaken and child.get('Taken') is OursTaken


# ------------------------------------------------------------------------------------------ get_model
@pytest.mark.parametrize('name', sorted(METHOD_CONFIGS))
def test_get_model_builds_every_method(name):
    from mmpretrain import get_model

    with allow_missing_checkpoints():
        model = get_model(load_config(osp.join(DEMO, name)))
    assert type(model).__name__ == METHOD_CONFIGS[name]
    assert hasattr(model, 'extract_feat')


def test_get_model_without_a_teacher_checkpoint_names_the_key():
    from mmpretrain import get_model

    with pytest.raises(ValueError, match=r'teacher_ckpt is not set.*model\.teacher_ckpt=PATH'):
        get_model(load_config(osp.join(DEMO, 'kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py')))


def test_get_model_reads_a_config_path_in_a_fresh_scope():
    """custom_imports of the runtime base registers mmkd's modules when mmpretrain loads the file itself."""
    from mmpretrain import get_model

    model = get_model(osp.join(REPO, 'configs', 'baseline', 'resnet56_1xb64-240e_cifar100.py'))
    assert type(model.backbone).__module__.startswith('mmkd')


# ------------------------------------------------------------------------------------------ the tools
def params_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith('Params:'))


@pytest.mark.parametrize('name', sorted(set(METHOD_CONFIGS) - {'sssd-moco_resnet18-w16_1xb128-4e_fashion-mnist.py'}))
def test_get_flops_counts_the_deployed_network(name, capsys):
    run_tool('get_flops', osp.join(DEMO, name), '--shape', 32)
    out = capsys.readouterr().out
    assert 'Flops:' in out
    with allow_missing_checkpoints():
        from mmpretrain import get_model

        model = get_model(load_config(osp.join(DEMO, name)))
    deployed = getattr(model, 'student', model)
    expected = sum(p.numel() for p in deployed.parameters())
    value = params_line(out).split()[1]
    scale = {'K': 1e3, 'M': 1e6}[value[-1]]
    assert float(value[:-1]) * scale == pytest.approx(expected, rel=2e-3)
    if deployed is not model:
        assert f'using {type(model).__name__}.student' in out
        assert expected < sum(p.numel() for p in model.parameters())


def test_get_flops_of_kd_is_its_students(capsys):
    run_tool('get_flops', osp.join(DEMO, 'resnet18-w16_1xb64-3e_fashion-mnist.py'), '--shape', 32)
    alone = capsys.readouterr().out
    run_tool('get_flops', osp.join(DEMO, 'kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'), '--shape', 32)
    kd = capsys.readouterr().out
    assert params_line(kd) == params_line(alone)
    flops = [next(line for line in out.splitlines() if line.startswith('Flops:')) for out in (alone, kd)]
    assert flops[0] == flops[1]


def test_print_config_shows_facts_applied_after_the_options(capsys):
    run_tool('print_config', osp.join(DEMO, 'resnet18-w16_1xb64-3e_fashion-mnist.py'), '--cfg-options', 'num_classes=4')
    out = capsys.readouterr().out
    assert 'num_classes=4' in out and 'num_classes=10' not in out


@needs_fashion
@pytest.mark.parametrize(
    'name', ['resnet18-w16_1xb64-3e_fashion-mnist.py', 'sssd-moco_resnet18-w16_1xb128-4e_fashion-mnist.py']
)
def test_browse_dataset_writes_the_samples(name, tmp_path):
    out = tmp_path / 'vis'
    run_tool(
        'browse_dataset',
        osp.join(DEMO, name),
        '--output-dir',
        out,
        '--not-show',
        '--phase',
        'train',
        '--show-number',
        3,
        '--cfg-options',
        'train_dataloader.dataset.num_samples=6',
    )
    assert sorted(p.name for p in out.iterdir()) == ['0.jpg', '1.jpg', '2.jpg']


@pytest.fixture(scope='module')
def kd_checkpoint(tmp_path_factory):
    """A KD distiller's training checkpoint (random weights), saved the way the runner saves one."""
    from mmkd.registry import MODELS
    from mmkd.utils import register_all_modules

    register_all_modules()
    cfg = load_config(osp.join(DEMO, 'kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'))
    with allow_missing_checkpoints():
        model = MODELS.build(cfg.model)
    path = tmp_path_factory.mktemp('kd') / 'epoch_1.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path


@needs_fashion
def test_confusion_matrix_of_a_distiller_checkpoint(kd_checkpoint, tmp_path):
    out, image = tmp_path / 'cm.pkl', tmp_path / 'cm.png'
    config = osp.join(DEMO, 'kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py')
    run_tool(
        'confusion_matrix',
        config,
        kd_checkpoint,
        '--out',
        out,
        '--show-path',
        image,
        '--cfg-options',
        'test_dataloader.dataset.num_samples=16',
        'test_dataloader.batch_size=8',
    )
    with open(out, 'rb') as f:
        cm = pickle.load(f)
    assert tuple(cm.shape) == (10, 10) and int(cm.sum()) == 16
    assert image.stat().st_size > 0


@needs_fashion
def test_vis_cam_explains_the_student(kd_checkpoint, tmp_path, capsys):
    import numpy as np
    from PIL import Image

    img, out = tmp_path / 'shirt.png', tmp_path / 'cam.png'
    Image.fromarray((np.random.default_rng(0).random((28, 28)) * 255).astype('uint8')).save(img)
    config = osp.join(DEMO, 'kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py')
    run_tool('vis_cam', img, config, kd_checkpoint, '--save-path', out)
    assert 'backbone.layer4.1.bn2' in capsys.readouterr().out  # the student's last norm layer, found by vis_cam
    assert out.stat().st_size > 0


def test_unknown_tool_is_named():
    with pytest.raises(SystemExit, match="unknown tool 'flops'"):
        run_tool('flops', 'x.py')


def test_analyze_logs_plots_an_mmkd_run(tmp_path):
    """analyze_logs takes no config; it reads the json scalars every mmkd run writes."""
    log = tmp_path / 'scalars.json'
    lines = [
        f'{{"lr": 0.01, "loss": {3.0 - 0.1 * k}, "loss_kd": {1.0 - 0.05 * k}, "epoch": {1 + k // 5}, '
        f'"iter": {k % 5 + 1}, "step": {k + 1}}}\n'
        for k in range(10)
    ]
    log.write_text(''.join(lines))
    out = tmp_path / 'loss.png'
    run_tool('analyze_logs', 'plot_curve', log, '--keys', 'loss', 'loss_kd', '--out', out)
    assert out.stat().st_size > 0
    with pytest.raises(SystemExit, match='takes no config'):
        run_tool('analyze_logs', 'plot_curve', log, '--keys', 'loss', '--cfg-options', 'num_classes=4')
