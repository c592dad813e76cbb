"""Evaluate a checkpoint of any mmkd, mmpretrain, mmdet or mmseg config.

A distiller checkpoint is evaluated through its student alone (no teacher checkpoint needed), an exported
student with the config's student, and every checkpoint is loaded strictly (see mmkd/apis/evaluate.py).

The switches follow mmpretrain's tools/test.py:

* ``--out FILE [--out-item {pred,metrics}]``: ``pred`` pickles the predictions (one data sample per test
  image: ``pred_label``, ``pred_score``, ``gt_label`` ...; mmdet's boxes through its ``DumpDetResults``)
  to a ``.pkl``; ``metrics`` dumps the metrics (json, yaml or pkl by the extension). Without
  ``--out-item`` a ``.pkl``/``.pickle`` file gets the predictions, as in mmpretrain, and any other
  file (``metrics.json``) the metrics, as this tool always did. On an mmseg config, ``--out DIR``
  (no extension) is mmseg's: the predicted masks are written as images under DIR.
* ``--show`` / ``--show-dir DIR`` [``--interval N`` ``--wait-time S``]: draw the predictions of every N-th
  test image with the config's visualisation hook (mmpretrain's ``VisualizationHook``, mmdet's
  ``DetVisualizationHook``, mmseg's ``SegVisualizationHook``).
* ``--tta``: wrap the model in the config's ``tta_model`` and test on its ``tta_pipeline``; a config without
  them is an error that names it.
* ``--no-pin-memory``: ``pin_memory=False`` in the test dataloader.
"""

import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))
sys.path.insert(0, osp.dirname(osp.realpath(__file__)))
from jemalloc_launch import reexec_on_jemalloc  # noqa: E402

if __name__ == '__main__':
    reexec_on_jemalloc()  # before torch is imported: see mmkd/utils/allocator.py

from mmengine.config import DictAction  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.apis.evaluate import build_test_runner  # noqa: E402
from mmkd.apis.runner import close_process_group, load_config, prepare_test_cfg  # noqa: E402

PICKLE = ('.pkl', '.pickle')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint', help='checkpoint file: a training checkpoint (of a distiller too) or an exported student'
    )
    parser.add_argument('--work-dir', help='the directory to save the evaluation metrics')
    parser.add_argument(
        '--out',
        help='the file to write: the predictions (.pkl) or the metrics (.json/.yaml/.pkl '
        'with --out-item metrics); a .json file without --out-item gets the metrics. On mmseg '
        'configs a folder (no extension) gets the predicted masks, as mmseg\'s --out',
    )
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        help='what --out holds; defaults to pred for .pkl/.pickle files, metrics otherwise',
    )
    parser.add_argument('--show', action='store_true', help='display the predictions in a window')
    parser.add_argument('--show-dir', help='save the drawn predictions under this directory')
    parser.add_argument('--interval', type=int, default=1, help='visualise every N-th test sample')
    parser.add_argument('--wait-time', type=float, default=2, help='seconds each --show window stays')
    parser.add_argument('--no-pin-memory', action='store_true', help='pin_memory=False in the test dataloader')
    parser.add_argument(
        '--tta', action='store_true', help="test-time augmentation with the config's tta_model and tta_pipeline"
    )
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override settings in the config')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if args.out is None and args.out_item is not None:
        parser.error('--out-item needs --out FILE')
    if args.tta and (args.show or args.show_dir):
        parser.error(
            '--show/--show-dir draw single test images; they do not combine with --tta (whose batches hold '
            'every augmented view)'
        )
    if args.interval < 1:
        parser.error('--interval must be at least 1')
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def _host(cfg) -> str:
    scope = str(cfg.get('default_scope') or 'mmkd')
    return scope if scope in ('mmdet', 'mmseg') else 'mmpretrain'


def out_item(args, host: str) -> str:
    """What ``--out`` holds: 'pred', 'metrics' or (mmseg) 'seg_dir'."""
    ext = osp.splitext(args.out)[1].lower()
    if host == 'mmseg' and not ext and args.out_item != 'metrics':
        return 'seg_dir'
    item = args.out_item or ('pred' if ext in PICKLE else 'metrics')
    if item == 'pred' and ext not in PICKLE:
        raise SystemExit(
            f'--out {args.out} --out-item pred: the predictions are pickled, give a .pkl file '
            '(or --out-item metrics for the metrics)'
        )
    if item == 'metrics' and ext not in ('.json', '.yaml', '.yml') + PICKLE:
        raise SystemExit(f'--out {args.out}: the metrics are dumped as .json, .yaml or .pkl; give one of those')
    return item


def setup_visualization(cfg, args, host: str) -> None:
    """Turn on the config's visualisation hook for --show / --show-dir, as each host's tools/test.py does."""
    hooks = cfg.default_hooks
    if host == 'mmseg' and 'visualization' not in hooks:
        hooks.visualization = dict(type='mmseg.SegVisualizationHook')
    if 'visualization' not in hooks:
        raise SystemExit(
            f'--show/--show-dir: {cfg.filename} has no default_hooks.visualization; add '
            "visualization=dict(type='VisualizationHook', enable=False) to its default_hooks"
        )
    vis = hooks.visualization
    vis.update(show=args.show, wait_time=args.wait_time, interval=args.interval)
    if host == 'mmpretrain':
        vis.update(enable=True, out_dir=args.show_dir)
    elif host == 'mmdet':
        vis.update(draw=True)
        if args.show_dir:
            vis.test_out_dir = osp.abspath(args.show_dir)  # mmdet joins a relative one to the run's log dir
    else:
        vis.update(draw=True)
        if args.show_dir:
            cfg.visualizer.save_dir = args.show_dir


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg = load_config(args.config, args.cfg_options)
    except FileNotFoundError as e:  # a renamed config: the error names its new path
        sys.exit(f'test: {e}')
    cfg = prepare_test_cfg(cfg, args)
    host = _host(cfg)
    item = out_item(args, host) if args.out else None
    if args.show or args.show_dir:
        setup_visualization(cfg, args, host)
    if args.no_pin_memory:
        cfg.test_dataloader.pin_memory = False
    if item == 'seg_dir':  # mmseg's --out: the predicted masks as images, for offline evaluation
        for metric in cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]:
            metric.update(output_dir=args.out, keep_results=True)
    runner = build_test_runner(cfg, args.checkpoint, tta=args.tta)
    if item == 'pred':
        if host == 'mmdet':
            from mmdet.evaluation import DumpDetResults as Dump
        else:
            from mmengine.evaluator import DumpResults as Dump
        runner.test_evaluator.metrics.append(Dump(out_file_path=args.out))
    metrics = runner.test()
    close_process_group()
    if item == 'metrics':
        from mmengine.fileio import dump

        dump({k: float(v) if hasattr(v, '__float__') else v for k, v in metrics.items()}, args.out)
    print(metrics)


if __name__ == '__main__':
    main()
