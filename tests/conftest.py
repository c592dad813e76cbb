import argparse
import logging
import os
import os.path as osp
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
os.environ.setdefault('OMP_NUM_THREADS', '1')


def make_fashion_like(
    root: str, num_train: int = 256, num_test: int = 128, num_classes: int = 10, seed: int = 0
) -> str:
    """Write a small, learnable Fashion-MNIST look-alike as gzipped IDX files under ``root``.

    Class c is a bright 7x7 square at a class-specific place on a noisy 28x28 canvas, so a small
    network separates the classes within a few hundred steps.
    """
    from mmkd.datasets import write_idx

    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    for prefix, n in (('train', num_train), ('t10k', num_test)):
        labels = np.arange(n) % num_classes
        rng.shuffle(labels)
        imgs = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
        for img, c in zip(imgs, labels):
            r, q = divmod(int(c), 4)
            img[2 + 8 * r : 9 + 8 * r, 2 + 6 * q : 9 + 6 * q] = 230
        write_idx(osp.join(root, f'{prefix}-images-idx3-ubyte.gz'), imgs)
        write_idx(osp.join(root, f'{prefix}-labels-idx1-ubyte.gz'), labels.astype(np.uint8))
    return root


@pytest.fixture(scope='session')
def fashion_root(tmp_path_factory):
    return make_fashion_like(str(tmp_path_factory.mktemp('fashion')))


def tiny_run_overrides(
    data_root: str, work_dir: str, max_epochs: int = 1, batch_size: int = 16, num_train: int = 64, num_test: int = 32
) -> str:
    """Config text that shrinks a Fashion-MNIST config to a seconds-long CPU run."""
    return f'''
train_dataloader = dict(batch_size={batch_size}, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={data_root!r}, num_samples={num_train}))
val_dataloader = dict(batch_size=32, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root={data_root!r}, num_samples={num_test}))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={max_epochs})
param_scheduler = dict(_delete_=True, type='ConstantLR', factor=1.0)
default_hooks = dict(logger=dict(interval=1))
work_dir = {work_dir!r}
'''


def write_tiny_config(tmp_path, base_cfg: str, data_root: str, extra: str = '', **kwargs) -> str:
    """A config in ``tmp_path`` inheriting ``base_cfg`` (repo-relative) with tiny-run overrides."""
    path = osp.join(str(tmp_path), 'tiny_' + osp.basename(base_cfg))
    with open(path, 'w') as f:
        f.write(f'_base_ = [{osp.join(REPO, base_cfg)!r}]\n')
        f.write(tiny_run_overrides(data_root, osp.join(str(tmp_path), 'work'), **kwargs))
        f.write(extra)
    return path


def run_tool(script: str, *args, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``tools/<script>`` in a subprocess from the repo root; fail with its output on error."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', script), *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f'tools/{script} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}'
        )
    return proc


def gaussian_clusters(num_clusters: int = 6, num_points: int = 600, dim: int = 32, seed: int = 0):
    """``(points, truth)``: ``num_points`` draws around ``num_clusters`` well-separated random centres (scale 5,
    noise 0.3), the features a k-means test clusters; ``truth`` is each point's centre."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(num_clusters, dim)) * 5
    truth = rng.integers(0, num_clusters, size=num_points)
    return centres[truth] + rng.normal(size=(num_points, dim)) * 0.3, truth


def tool_args(config: str, checkpoint, **options) -> argparse.Namespace:
    """The ``args`` a tool's function takes in process (tools/linear_probe.py, tools/kmeans_pseudo_labels.py), as
    its command line gives them: on the CPU, no data workers, seed 0, no --cfg-options; ``options`` set or add
    the others."""
    args = dict(config=config, checkpoint=checkpoint, num_workers=0, seed=0, device='cpu', cfg_options=None)
    args.update(options)
    return argparse.Namespace(**args)


def probe_args(config: str, checkpoint: str, **options) -> argparse.Namespace:
    """tool_args of tools/linear_probe.py's ``linear_probe`` for a short probe (5 epochs, batches of 64)."""
    probe = dict(train_split='train', test_split='test', epochs=5, lr=0.1, weight_decay=0.0, backbone_only=False)
    probe.update(probe_batch_size=64, batch_size=64)
    probe.update(options)
    return tool_args(config, checkpoint, **probe)


def build_transfer(config: str, options: dict):
    """``(cfg, model)`` of a transfer config (repo-relative) finalised with ``options`` (mmkd.apis.load_config),
    the model built in the config's default scope (mmdet / mmseg)."""
    from mmengine.registry import MODELS, DefaultScope

    from mmkd.apis import load_config

    cfg = load_config(osp.join(REPO, config), options)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return cfg, MODELS.build(cfg.model)


def fake_runner(model, logger: str = 'mmkd.tests'):
    """The part of a runner that BackboneLoadCheckHook.before_run reads: the model, a train loop, a logger."""
    from mmengine.runner import BaseLoop

    class Loop(BaseLoop):
        def run(self):
            pass

    return SimpleNamespace(model=model, _train_loop=Loop(None, []), logger=logging.getLogger(logger))


@pytest.fixture(autouse=True, scope='session')
def mmkd_scope():
    """Register every mmkd module and make 'mmkd' the default scope, as tools/train.py does."""
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=True)


def pytest_collection_finish(session):
    """Under ``--dist loadgroup`` an ``xdist_group`` test must carry its group in its id, or the group is
    silently ignored (each worker then builds the group's module fixtures again)."""
    if getattr(session.config.option, 'loadgroup', False):
        lost = [
            item.nodeid for item in session.items if item.get_closest_marker('xdist_group') and '@' not in item.nodeid
        ]
        if lost:
            raise pytest.UsageError(
                f'pytest-xdist ignored the xdist_group of {len(lost)} tests (e.g. {lost[0]}): '
                'this pytest / pytest-xdist pair does not support --dist loadgroup; '
                'install the versions in requirements/tests.txt'
            )
