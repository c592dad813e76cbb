"""Every method's shipped config through ``tools/dist_train.sh CONFIG 2`` on CPU (gloo), a few iterations.

    python tools/analysis/dist_smoke.py [--out work_dirs/dist_smoke] [--data-root /usr/share/datasets/fashion-mnist]
        [--nproc 2] [--num-train 32] [--batch-size 8] [CONFIG ...]

Each config is shipped for CIFAR / ImageNet data, which this machine does not have: its training set
is replaced by the first ``--num-train`` real Fashion-MNIST images (gray -> RGB, 32x32, then the
config's own pipeline; labels 0-9 fit every head), checkpoints the model reads at build time are
random (``mmkd.testing.write_random_checkpoints``), SSSD stage 3 gets random pseudo-labels, and the
run is one epoch with a constant learning rate and no validation. A config passes when both ranks
train (``GPU number: 2``, ``[1][2/2]`` in the log: each rank saw half of the data) and
``epoch_1.pth`` is written. Prints one line per config and writes ``results.json`` in ``--out``.
"""

import argparse
import copy
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

CONFIGS = [
    'configs/kd/kd_resnet32x4_resnet8x4_1xb64-240e_cifar100.py',
    'configs/dml/dml_resnet32x4_resnet8x4_1xb64-240e_cifar100.py',
    'configs/hssakd/hssakd-teacher_resnet32x4_1xb64-100e_cifar100.py',
    'configs/hssakd/hssakd_resnet32x4_resnet8x4_1xb64-240e_cifar100.py',
    'configs/hssakd/hssakd-online_resnet32x4x2_1xb64-240e_cifar100.py',
    'configs/sskd/sskd-teacher_resnet32x4_1xb64-60e_cifar100.py',
    'configs/sskd/sskd_resnet32x4_resnet8x4_1xb64-240e_cifar100.py',
    'configs/mixskd/mixskd_resnet18_1xb128-205e_cifar100.py',
    'configs/css/css_resnet56_resnet56_1xb128-300e_cifar100.py',
    'configs/sssd/sssd-moco_resnet18_1xb256-200e_cifar100.py',
    'configs/sssd/sssd_resnet18_1xb128-200e_cifar100.py',
]


def fashion_dataset(ds: dict, data_root: str, num: int) -> dict:
    """``ds`` with its images replaced by Fashion-MNIST's (label-only wrappers are kept)."""
    ds = copy.deepcopy(ds)
    if ds.get('type') == 'PseudoLabelDataset':
        ds['dataset'] = fashion_dataset(ds['dataset'], data_root, num)
        return ds
    pipeline = [dict(type='GrayToRGB'), dict(type='Resize', scale=(32, 32))] + list(ds.get('pipeline', []))
    return dict(type='FashionMNISTIDX', data_root=data_root, split='train', num_samples=num, pipeline=pipeline)


def smoke_config(path: str, work: str, args) -> str:
    """Write the shrunk config of ``path`` into ``work``; return its path."""
    import numpy as np
    from mmengine.config import Config

    from mmkd.apis.runner import model_config
    from mmkd.datasets.pseudo_label_dataset import write_pseudo_labels
    from mmkd.testing import write_random_checkpoints

    cfg = Config.fromfile(osp.join(REPO, path))
    model = model_config(cfg)
    write_random_checkpoints(model, work)
    cfg.model = model
    loader = cfg.train_dataloader
    loader.update(batch_size=args.batch_size, num_workers=0, persistent_workers=False)
    loader.dataset = fashion_dataset(loader.dataset.to_dict(), args.data_root, args.num_train)
    if loader.dataset['type'] == 'PseudoLabelDataset':
        ann = osp.join(work, 'pseudo_labels.json')
        k = model['student']['head']['num_classes']
        write_pseudo_labels(ann, np.random.default_rng(0).integers(0, k, args.num_train), k)
        loader.dataset['ann_file'] = ann
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=100)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.param_scheduler = dict(type='ConstantLR', factor=1.0)
    cfg.work_dir = work
    out = osp.join(work, osp.basename(path))
    cfg.dump(out)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='*', default=CONFIGS, help='configs to run (default: one per method)')
    parser.add_argument('--out', default=osp.join(REPO, 'work_dirs', 'dist_smoke'))
    parser.add_argument('--data-root', default='/usr/share/datasets/fashion-mnist')
    parser.add_argument('--nproc', type=int, default=2)
    parser.add_argument('--num-train', type=int, default=32)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--port', type=int, default=29700)
    args = parser.parse_args()
    if not osp.isdir(args.data_root):
        sys.exit(f'--data-root {args.data_root} does not exist (Debian package dataset-fashion-mnist)')
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    iters = args.num_train // (args.nproc * args.batch_size)
    results = {}
    for i, path in enumerate(args.configs):
        name = osp.splitext(osp.basename(path))[0]
        work = osp.join(args.out, name)
        os.makedirs(work, exist_ok=True)
        cfg_path = smoke_config(path, work, args)
        env = dict(os.environ, OMP_NUM_THREADS='1', PORT=str(args.port + i))
        start = time.time()
        proc = subprocess.run(
            ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), cfg_path, str(args.nproc), '--no-validate'],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        logs = sorted(glob.glob(osp.join(work, '*', '*.log')))
        log = open(logs[-1]).read() if logs else ''
        ok = (
            proc.returncode == 0
            and f'GPU number: {args.nproc}' in log
            and f'[1][{iters}/{iters}]' in log
            and osp.isfile(osp.join(work, 'epoch_1.pth'))
        )
        loss = re.findall(rf'\[1\]\[{iters}/{iters}\].*?\bloss: ([0-9.]+)', log)
        results[name] = dict(
            config=path,
            ok=ok,
            returncode=proc.returncode,
            seconds=round(time.time() - start, 1),
            last_loss=float(loss[-1]) if loss else None,
        )
        print(
            f"{'ok  ' if ok else 'FAIL'} {path}  {results[name]['seconds']:.0f}s  loss {results[name]['last_loss']}",
            flush=True,
        )
        if not ok:
            print(proc.stdout[-2000:], proc.stderr[-4000:], flush=True)
    with open(osp.join(args.out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    sys.exit(0 if all(r['ok'] for r in results.values()) else 1)


if __name__ == '__main__':
    main()
