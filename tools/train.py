"""Train any mmkd, mmpretrain, mmdet or mmseg config (its ``default_scope`` picks the toolbox)."""

import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))  # run from a clean checkout too
sys.path.insert(0, osp.dirname(osp.realpath(__file__)))
from jemalloc_launch import reexec_on_jemalloc  # noqa: E402

if __name__ == '__main__':
    reexec_on_jemalloc()  # before torch is imported: see mmkd/utils/allocator.py

from mmengine.config import Config, DictAction  # noqa: E402

import mmkd  # noqa: E402,F401  (version checks, safe checkpoint loading)
from mmkd.apis.preflight import build_runner, dry_run  # noqa: E402
from mmkd.apis.runner import close_process_group, load_config, prepare_train_cfg  # noqa: E402
from mmkd.engine.hooks.atomic_checkpoint import use_atomic_checkpoints  # noqa: E402
from mmkd.utils.run_dir import log_dirs, tidy_failed_log_dir  # noqa: E402
from mmkd.utils.work_dir_lock import WorkDirLock, WorkDirLockedError, is_lock_rank  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model (distiller, classifier, detector or segmentor)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest one in work_dir if no path is given',
    )
    parser.add_argument('--amp', action='store_true', help='enable automatic mixed precision training')
    parser.add_argument('--no-validate', action='store_true', help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true', help='scale the lr by the real batch size')
    parser.add_argument('--no-pin-memory', action='store_true', help='disable pin_memory in data loaders')
    parser.add_argument(
        '--no-persistent-workers', action='store_true', help='disable persistent_workers in data loaders'
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, e.g. model.loss_kd.tau=4 train_cfg.max_epochs=2',
    )
    check = parser.add_mutually_exclusive_group()
    check.add_argument(
        '--dry-run',
        action='store_true',
        help='only check the config: one training and one validation step on two samples in a '
        'temporary work_dir, no checkpoint; exit 0 when both pass',
    )
    check.add_argument('--preflight', action='store_true', help='run the --dry-run check first, then the training')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    try:
        cfg = load_config(args.config, args.cfg_options)
    except FileNotFoundError as e:  # a renamed config: the error names its new path
        sys.exit(f'train: {e}')
    cfg = prepare_train_cfg(cfg, args)
    use_atomic_checkpoints(cfg)
    if args.dry_run:
        dry_run(cfg)
        return
    lock = WorkDirLock(cfg.work_dir) if is_lock_rank() else None
    try:
        if lock is not None:
            try:
                lock.acquire()
            except WorkDirLockedError as e:
                raise SystemExit(f'tools/train.py: {e}') from None
        if args.preflight:
            dry_run(cfg)
        train(cfg)
    finally:
        if lock is not None:
            lock.release()


def train(cfg: Config) -> None:
    """Build the runner and train; if that fails, tidy the log folder this run created."""
    before = log_dirs(cfg.work_dir)
    try:
        build_runner(cfg).train()
        close_process_group()
    except Exception as e:
        for log_dir in sorted(log_dirs(cfg.work_dir) - before):
            kept = tidy_failed_log_dir(log_dir, e)
            if kept:
                print(f'training failed; the log with the traceback is {kept}', file=sys.stderr, flush=True)
        raise


if __name__ == '__main__':
    main()
