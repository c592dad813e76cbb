"""Run a method's whole distillation chain on any dataset config, in one command.

    python tools/distill.py --method hssakd --dataset my_folder.py --num-classes 4 \
        --teacher resnet18-w32 --student resnet18-w16 --epochs 3 --work-dir work_dirs/chain \
        [--hssakd-teacher {frozen,joint}] [--teacher-ckpt PATH] [--transfer det seg] [--seeds 3]

Stages (each an ordinary ``tools/train.py`` run of ``<work-dir>/<stage>/config.py``): the teacher (unless
``--teacher-ckpt``), the method's teacher stage (HSSAKD, SSKD), the student, the export of the student
(``<work-dir>/export/student.pth``) and, with ``--transfer det seg``, Faster R-CNN and DeepLabV3 on composed
Fashion-MNIST detection / segmentation sets, the exported student as backbone. SSSD runs MoCo, k-means pseudo-labels and
self-distillation. A rerun reuses every finished
stage whose config is unchanged (``--force`` reruns all). The summary is ``<work-dir>/summary.json`` / ``.md``.
"""

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))

from mmengine.config import DictAction  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.apis.chain import METHOD_NAMES, ChainError, ChainOptions, run_chain  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--method', required=True, choices=METHOD_NAMES)
    parser.add_argument(
        '--dataset',
        required=True,
        help='dataset config file, or a name in configs/_base_/datasets (e.g. fashion_mnist)',
    )
    parser.add_argument('--teacher', default='resnet18-w32', help='network name in configs/_base_/models')
    parser.add_argument('--student', default='resnet18-w16', help='network name in configs/_base_/models')
    parser.add_argument('--num-classes', type=int, help='classes (default: the dataset config\'s num_classes)')
    parser.add_argument('--num-clusters', type=int, help='SSSD: k-means K (default: the dataset config\'s)')
    parser.add_argument('--epochs', type=int, help='epochs of every training stage (default: the recipes\' 3)')
    parser.add_argument('--batch-size', type=int, help='training batch size of every stage')
    parser.add_argument('--workers', type=int, help='data loader workers of every stage')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--teacher-ckpt', help='a trained teacher checkpoint: skips the teacher stage')
    parser.add_argument(
        '--hssakd-teacher',
        choices=('frozen', 'joint'),
        default='frozen',
        help='HSSAKD teacher stage: the trained teacher frozen (branches only), or teacher and '
        'branches trained jointly from scratch',
    )
    parser.add_argument(
        '--transfer', nargs='+', default=[], choices=('det', 'seg'), help='downstream transfer of the exported student'
    )
    parser.add_argument('--det-iters', type=int, default=200, help='iterations of each transfer task')
    parser.add_argument(
        '--det-images',
        type=int,
        nargs=2,
        default=[400, 150],
        metavar=('TRAIN', 'VAL'),
        help='composed canvases of each transfer task',
    )
    parser.add_argument(
        '--det-data-root',
        default='/usr/share/datasets/fashion-mnist',
        help='Fashion-MNIST IDX folder the transfer canvases are composed from',
    )
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument('--seed', type=int, default=0, help='seed of every stage')
    seeds.add_argument('--seeds', type=int, help='run every stage under seeds 0..N-1 into <work-dir>/seed<K>/')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='settings applied to every training stage, e.g. optim_wrapper.optimizer.lr=0.1',
    )
    parser.add_argument(
        '--stage-options',
        nargs='+',
        default=[],
        metavar='STAGE:KEY=VALUE',
        help='a setting for one stage only, e.g. sssd-moco:epochs=60 (that stage\'s epochs, its schedule rewritten) '
        'or teacher:optim_wrapper.optimizer.lr=0.1',
    )
    parser.add_argument(
        '--no-preflight', action='store_true', help='start training without the one-step dry run of every stage'
    )
    parser.add_argument('--force', action='store_true', help='rerun every stage')
    return parser.parse_args(argv)


def stage_options(items) -> dict:
    """``['teacher:a.b=1', ...]`` -> ``{'teacher': {'a.b': 1}}`` (values parsed as mmengine's DictAction does)."""
    out = {}
    for item in items:
        stage, sep, setting = item.partition(':')
        if not sep or '=' not in setting:
            raise ValueError(f'--stage-options {item!r}: expected STAGE:KEY=VALUE, e.g. sssd-moco:epochs=60')
        key, value = setting.split('=', 1)
        out.setdefault(stage, {})[key] = DictAction._parse_iterable(value)
    return out


def main(argv=None):
    args = parse_args(argv)
    try:
        opts = ChainOptions(
            dataset=args.dataset,
            teacher=args.teacher,
            student=args.student,
            num_classes=args.num_classes,
            num_clusters=args.num_clusters,
            epochs=args.epochs,
            batch_size=args.batch_size,
            workers=args.workers,
            teacher_ckpt=args.teacher_ckpt,
            cfg_options=dict(args.cfg_options),
            stage_options=stage_options(args.stage_options),
            preflight=not args.no_preflight,
            force=args.force,
            det_iters=args.det_iters,
            det_images=tuple(args.det_images),
            det_data_root=args.det_data_root,
        )
        seeds = list(range(args.seeds)) if args.seeds else [args.seed]
        summary = run_chain(
            args.method,
            opts,
            args.work_dir,
            seeds,
            per_seed=bool(args.seeds),
            hssakd_teacher=args.hssakd_teacher,
            transfer=args.transfer,
        )
    except (ChainError, ValueError, FileNotFoundError, KeyError) as e:
        sys.exit(f'distill: {e}')
    with open(osp.join(args.work_dir, 'summary.md')) as f:
        print(f.read())
    print(f'wrote {osp.join(args.work_dir, "summary.json")} ({summary["seconds"] / 60:.1f} min)')


if __name__ == '__main__':
    main()
