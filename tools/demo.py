"""The main job: a small end-to-end distillation story on real Fashion-MNIST, on a CPU.

Stages (each one a tools/train.py run whose finished checkpoint is reused on a rerun):
  1. baseline  — the student trained alone (the reference row of every KD table)
  2. export    — the student exported as a tensor-only checkpoint for mmdet / mmseg

Run it with ``make demo`` (installs first) or ``.venv/bin/python tools/demo.py [options]``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA_ROOT = '/usr/share/datasets/fashion-mnist'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs', 'demo'))
    parser.add_argument('--data-root', default=DATA_ROOT, help='directory with the Fashion-MNIST IDX files')
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--num-train', type=int, default=None, help='use the first N training images')
    parser.add_argument('--num-test', type=int, default=None, help='use the first N test images')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--force', action='store_true', help='rerun finished stages')
    return parser.parse_args()


def stage_config(args, base: str, name: str) -> str:
    """Write a config for one stage: ``base`` with the demo's data, schedule and work dir."""
    work = osp.join(args.work_dir, name)
    os.makedirs(work, exist_ok=True)
    path = osp.join(work, f'{name}.py')
    persistent = args.workers > 0
    text = f'''_base_ = [{osp.join(REPO, base)!r}]
train_dataloader = dict(batch_size={args.batch_size}, num_workers={args.workers},
                        persistent_workers={persistent},
                        dataset=dict(data_root={args.data_root!r}, num_samples={args.num_train}))
val_dataloader = dict(num_workers={args.workers}, persistent_workers={persistent},
                      dataset=dict(data_root={args.data_root!r}, num_samples={args.num_test}))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={args.epochs})
param_scheduler = dict(_delete_=True, type='CosineAnnealingLR', by_epoch=True, T_max={args.epochs}, eta_min=0.0)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=1, max_keep_ckpts=1, save_best='auto'))
work_dir = {work!r}
'''
    with open(path, 'w') as f:
        f.write(text)
    return path


def run(cmd):
    print('$ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, cwd=REPO, check=True)


def last_checkpoint(work: str) -> str:
    with open(osp.join(work, 'last_checkpoint')) as f:
        return f.read().strip()


def train_stage(args, base: str, name: str) -> str:
    work = osp.join(args.work_dir, name)
    done = osp.join(work, 'DONE')
    if osp.isfile(done) and not args.force:
        print(f'[demo] {name}: finished earlier, reusing {work}')
    else:
        cfg = stage_config(args, base, name)
        run([sys.executable, osp.join(REPO, 'tools', 'train.py'), cfg])
        with open(done, 'w') as f:
            f.write(time.strftime('%Y-%m-%d %H:%M:%S\n'))
    return last_checkpoint(work)


def main():
    args = parse_args()
    if not osp.isdir(args.data_root):
        sys.exit(f'demo: Fashion-MNIST not found at {args.data_root}; install the Debian package '
                 'dataset-fashion-mnist (make install does it when it can) or pass --data-root')
    os.makedirs(args.work_dir, exist_ok=True)
    ckpt = train_stage(args, 'configs/baseline/resnet18_fashion-mnist.py', 'baseline_resnet18')
    out = osp.join(args.work_dir, 'student_resnet18.pth')
    run([sys.executable, osp.join(REPO, 'tools', 'export_student.py'), ckpt, out])
    with open(osp.join(args.work_dir, 'baseline_resnet18', 'DONE')):
        pass
    print(json.dumps(dict(checkpoint=ckpt, exported=out), indent=2))


if __name__ == '__main__':
    main()
