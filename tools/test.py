"""Evaluate a checkpoint of any mmkd, mmpretrain, mmdet or mmseg config.

A distiller checkpoint is evaluated through its student alone (no teacher checkpoint needed), an exported
student with the config's student, and every checkpoint is loaded strictly (see mmkd/apis/evaluate.py).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from jemalloc_launch import reexec_on_jemalloc  # noqa: E402

if __name__ == '__main__':
    reexec_on_jemalloc()  # before torch is imported: see mmkd/utils/allocator.py

import mmkd  # noqa: E402,F401
from mmengine.config import DictAction  # noqa: E402
from mmkd.apis.evaluate import build_test_runner  # noqa: E402
from mmkd.apis.runner import load_config, prepare_test_cfg  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file: a training checkpoint (of a distiller too) or an '
                        'exported student')
    parser.add_argument('--work-dir', help='the directory to save the evaluation metrics')
    parser.add_argument('--out', help='dump the metrics to this json/pkl file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    cfg = prepare_test_cfg(cfg, args)
    runner = build_test_runner(cfg, args.checkpoint)
    metrics = runner.test()
    if args.out:
        from mmengine.fileio import dump
        dump({k: float(v) if hasattr(v, '__float__') else v for k, v in metrics.items()}, args.out)
    print(metrics)


if __name__ == '__main__':
    main()
