"""Train any mmkd, mmpretrain, mmdet or mmseg config (its ``default_scope`` picks the toolbox)."""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a clean checkout too
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from jemalloc_launch import reexec_on_jemalloc  # noqa: E402

if __name__ == '__main__':
    reexec_on_jemalloc()  # before torch is imported: see mmkd/utils/allocator.py

import mmkd  # noqa: E402,F401  (version checks, safe checkpoint loading)
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmkd.apis.runner import load_config, prepare_train_cfg  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model (distiller, classifier, detector or segmentor)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from the given checkpoint, or from the latest one in work_dir if '
                        'no path is given')
    parser.add_argument('--amp', action='store_true', help='enable automatic mixed precision training')
    parser.add_argument('--no-validate', action='store_true', help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true', help='scale the lr by the real batch size')
    parser.add_argument('--no-pin-memory', action='store_true', help='disable pin_memory in data loaders')
    parser.add_argument('--no-persistent-workers', action='store_true',
                        help='disable persistent_workers in data loaders')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, e.g. model.tau=4 train_cfg.max_epochs=2')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    cfg = prepare_train_cfg(cfg, args)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else _build_runner(cfg)
    runner.train()


def _build_runner(cfg: Config):
    from mmengine.registry import RUNNERS
    return RUNNERS.build(cfg)


if __name__ == '__main__':
    main()
