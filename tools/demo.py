"""The main job: the whole distillation story on real Fashion-MNIST, on a CPU, in minutes.

1. a teacher (ResNet-18, width 1/2) is trained;
2. the student (ResNet-18, width 1/4) is trained alone, with Hinton KD, with HSSAKD (its teacher
   stage first) and with the other selected methods — same data, schedule and seed;
3. every student is evaluated on the 10k test split; a results table, accuracy curves and a bar
   plot are written to ``<work-dir>/results.md``, ``curves.png`` and ``accuracy.png``;
4. the best student is exported and fine-tuned as the backbone of Faster R-CNN on a *composed*
   detection set (Fashion-MNIST test objects pasted on canvases); its mAP joins the table.

Every stage runs through the chain runner (``mmkd/apis/chain.py``, the engine of ``tools/distill.py``), so
the demo is what a user gets on their own data; each stage's config is ``<work-dir>/<stage>/config.py``.
A rerun reuses every stage whose configuration is unchanged (``--force`` retrains).
Run it with ``make demo`` (installs first) or ``.venv/bin/python tools/demo.py [options]``.
"""

import argparse
import os
import os.path as osp
import platform
import shutil
import sys
import time

REPO = osp.dirname(osp.dirname(osp.realpath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
DATA_ROOT = '/usr/share/datasets/fashion-mnist'

from mmkd.apis.chain import (  # noqa: E402
    METHOD_NAMES,
    ChainError,
    ChainOptions,
    ChainRunner,
    Progress,
    det_stage,
    export_stage,
    get_method,
    plan,
    seed_dirs,
)
from mmkd.apis.seed_stats import describe_gain, paired_gain, summarize  # noqa: E402

METHOD_LABELS = dict(
    teacher='Teacher (ResNet-18 w1/2)',
    baseline='Student alone',
    kd='Hinton KD',
    dml='DML',
    hssakd='HSSAKD',
    mixskd='MixSKD',
    sskd='SSKD',
    css='CSS',
    sssd='SSSD',
)
METHOD_LABELS['hssakd-online'] = 'HSSAKD (online)'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs', 'demo'))
    parser.add_argument('--data-root', default=DATA_ROOT, help='directory with the Fashion-MNIST IDX files')
    parser.add_argument(
        '--methods',
        nargs='+',
        default=['baseline', 'kd', 'hssakd', 'mixskd'],
        choices=METHOD_NAMES,
        help='student methods to compare',
    )
    parser.add_argument('--epochs', type=int, default=3, help='epochs of every classification stage')
    parser.add_argument('--num-train', type=int, default=3000, help='training images (first N of 60k; 0 = all)')
    parser.add_argument('--num-test', type=int, default=0, help='test images (first N of 10k; 0 = all)')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--workers', type=int, default=2, help='data loader workers per stage')
    parser.add_argument('--num-clusters', type=int, default=50, help='SSSD: k-means K')
    parser.add_argument('--det-iters', type=int, default=200, help='Faster R-CNN iterations (0 skips detection)')
    parser.add_argument(
        '--det-images',
        type=int,
        nargs=2,
        default=[400, 150],
        metavar=('TRAIN', 'VAL'),
        help='composed detection canvases',
    )
    parser.add_argument(
        '--seeds',
        type=int,
        default=1,
        help='run every stage under seeds 0..N-1 (into <work-dir>/seed<K>/ when N > 1) and report the mean, '
        'the spread and the paired gain over the student alone with its 95 %% confidence interval',
    )
    parser.add_argument('--no-preflight', action='store_true', help='no one-step dry run before each stage')
    parser.add_argument('--force', action='store_true', help='retrain every stage')
    return parser.parse_args()


def demo_options(args) -> ChainOptions:
    """The chain options of the demo: Fashion-MNIST (first N images), one schedule, seed 0, last checkpoints."""
    persistent = args.workers > 0

    def loader(batch, n):
        return {
            'batch_size': batch,
            'num_workers': args.workers,
            'persistent_workers': persistent,
            'dataset.num_samples': n,
        }

    data = dict(
        train_dataloader=loader(args.batch_size, args.num_train or None),
        val_dataloader=loader(256, args.num_test or None),
        test_dataloader=loader(256, args.num_test or None),
    )
    dataset_options = {f'{k}.{kk}': vv for k, v in data.items() for kk, vv in v.items()}
    dataset_options['data_root'] = args.data_root  # the fact; every dataset's data_root follows it
    # the val split is the test split here: hand every stage's last checkpoint on, select nothing on it
    hooks = {
        'default_hooks.logger.interval': 50,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.checkpoint.max_keep_ckpts': 1,
        'default_hooks.checkpoint.save_best': None,
    }
    return ChainOptions(
        dataset='fashion_mnist',
        teacher='resnet18-w32',
        student='resnet18-w16',
        num_clusters=args.num_clusters,
        epochs=args.epochs,
        dataset_options=dataset_options,
        cfg_options=hooks,
        preflight=not args.no_preflight,
        force=args.force,
        det_iters=args.det_iters,
        det_images=tuple(args.det_images),
        det_data_root=args.data_root,
        transfer_data_dir=osp.abspath(args.work_dir),
    )


def main():
    args = parse_args()
    if not osp.isfile(osp.join(args.data_root, 'train-images-idx3-ubyte.gz')) and not osp.isfile(
        osp.join(args.data_root, 'train-images-idx3-ubyte')
    ):
        sys.exit(
            f'demo: Fashion-MNIST not found in {args.data_root}; install the Debian package '
            'dataset-fashion-mnist (make install does it when it can) or pass --data-root'
        )
    if args.seeds < 1:
        sys.exit(f'demo: --seeds must be at least 1, got {args.seeds}')
    os.makedirs(args.work_dir, exist_ok=True)
    start = time.time()
    methods = [get_method(m) for m in args.methods]
    stages = plan(methods)
    dirs = seed_dirs(args.work_dir, range(args.seeds), per_seed=args.seeds > 1)
    progress = Progress(len(stages) * len(dirs) + (2 if args.det_iters > 0 else 0))
    seed_rows = {}
    try:
        for seed, folder in dirs:
            label = f'seed {seed}' if len(dirs) > 1 else ''
            runner = ChainRunner(folder, demo_options(args), seed=seed, progress=progress, label=label)
            seed_rows[seed] = table_rows(runner.run(stages, methods), methods)
            if seed == 0:
                first = runner
        rows = seed_rows[0]
        best = max((r for r in rows if r['student']), key=lambda r: r['last'])
        det = None
        if args.det_iters > 0:  # seed 0's best student
            method = next(m for m in methods if m.student_stage.name == best['stage'])
            first.run([export_stage(method), det_stage()], [method])
            shutil.copyfile(first.records['export']['checkpoint'], osp.join(args.work_dir, 'student.pth'))
            det = first.records['det']
    except (ChainError, ValueError, FileNotFoundError) as e:
        sys.exit(f'demo: {e}')
    report(args, rows, best, det, time.time() - start, seed_rows, dirs[0][1])


def table_rows(records: dict, methods) -> list:
    """One row per trained network: the teacher, then every method's student."""
    rows = []
    teacher = [('teacher', 'accuracy/top1', False)] if 'teacher' in records else []
    for name, key, student in teacher + [(m.student_stage.name, m.top1, True) for m in methods]:
        rec = records[name]
        val = rec.get('val_metrics') or {}
        hits = sorted(k for k in val if k.startswith(key.rstrip('*')))
        curve = val.get(key) or (val[hits[-1]] if hits else {})
        rows.append(
            dict(
                stage=name,
                method=METHOD_LABELS.get(name, name),
                student=student,
                last=rec['test_top1'],
                best=curve.get('best', rec['test_top1']),
                best_epoch=curve.get('best_step'),
                minutes=rec['seconds'] / 60,
                checkpoint=rec['checkpoint'],
            )
        )
    return rows


def seed_section(seed_rows: dict) -> list:
    """Markdown lines: per method, the mean and spread of last-epoch top-1 over the seeds and its paired gain
    over the student alone (same seed), with a 95 % interval and a sentence on whether it is noise."""
    seeds = sorted(seed_rows)
    scores = {}  # method label -> {seed: top-1}
    for seed in seeds:
        for r in seed_rows[seed]:
            scores.setdefault(r['method'], {})[seed] = r['last']
    reference = METHOD_LABELS['baseline']
    lines = [
        f'## Over {len(seeds)} seeds ({", ".join(map(str, seeds))})',
        '',
        'Every stage of every method ran once per seed (data order, initialisation, augmentation). The gain is '
        'paired: each method minus the student alone under the same seed, with Student\'s t interval.',
        '',
        '| method | mean top-1 (%) | std over seeds | paired gain vs. student alone (95 % CI) |',
        '|---|---|---|---|',
    ]
    words = []
    for name, by_seed in scores.items():
        stats = summarize(list(by_seed.values()))
        std = f'{stats.std:.2f}' if stats.std is not None else ''
        gain = ''
        if reference in scores and name not in (reference, METHOD_LABELS['teacher']):
            g = paired_gain(by_seed, scores[reference])
            gain = f'{g.mean:+.2f}' + (f' ({g.low:+.2f} to {g.high:+.2f})' if g.low is not None else '')
            words.append(describe_gain(name, g))
        lines.append(f'| {name} | {stats.mean:.2f} | {std} | {gain} |')
    return lines + [''] + words + ['']


def report(args, rows, best, det, seconds, seed_rows=None, folder=None):
    from plot_curves import plot_curves

    from mmkd.visualization.demo_plots import plot_bars

    seed_rows = seed_rows or {0: rows}
    folder = folder or args.work_dir
    curves = osp.join(args.work_dir, 'curves.png')
    runs = [osp.join(folder, r['stage']) for r in rows]
    plot_curves(
        runs,
        ['accuracy/top1', 'loss'],
        curves,
        names=[r['method'] for r in rows],
        title='Fashion-MNIST test top-1 per epoch, and training loss',
    )
    bars = osp.join(args.work_dir, 'accuracy.png')
    plot_bars(rows, bars)
    baseline = next((r['last'] for r in rows if r['stage'] == 'baseline'), None)
    lines = [
        '# mmkd demo results (Fashion-MNIST)',
        '',
        f'Command: `python tools/demo.py --epochs {args.epochs} --num-train {args.num_train} '
        f'--num-test {args.num_test} --methods {" ".join(args.methods)} --det-iters {args.det_iters}'
        + (f' --seeds {len(seed_rows)}' if len(seed_rows) > 1 else '')
        + '`  ',
        f'Finished: {time.strftime("%Y-%m-%d %H:%M")}, machine: {platform.machine()}, {os.cpu_count()} CPU cores, '
        f'torch threads per run as set by OMP_NUM_THREADS ({os.environ.get("OMP_NUM_THREADS", "default")}); '
        f'total wall time {seconds / 60:.1f} min (reused stages count 0).',
        '',
        f'Training images: {args.num_train or 60000} of 60,000; test images: {args.num_test or 10000} of 10,000; '
        f'{args.epochs} epochs, batch {args.batch_size}, SGD (lr 0.05) with a 1-epoch warm-up then cosine, '
        + (
            'seed 0 for every run.' if len(seed_rows) == 1 else f'seeds 0-{len(seed_rows) - 1}; the table is seed 0\'s.'
        ),
        '',
        '| method | network | top-1 last epoch (%) | vs. student alone | top-1 best epoch (%) | train time (min) |',
        '|---|---|---|---|---|---|',
    ]
    for r in rows:
        net = 'ResNet-18 w1/2 (2.8M)' if r['stage'] == 'teacher' else 'ResNet-18 w1/4 (0.7M)'
        delta = f'{r["last"] - baseline:+.2f}' if (baseline is not None and r['student']) else ''
        lines.append(
            f'| {r["method"]} | {net} | {r["last"]:.2f} | {delta} | {r["best"]:.2f} (epoch {r["best_epoch"]}) '
            f'| {r["minutes"]:.1f} |'
        )
    lines += [
        '',
        f'Best student (by last-epoch accuracy): **{best["method"]}**'
        + (
            f', exported to `{osp.relpath(osp.join(args.work_dir, "student.pth"), REPO)}`.'
            if det
            else ' (not exported: --det-iters 0).'
        ),
        '',
    ]
    if det:
        det = det['test_metrics'] | dict(seconds=det['seconds'])
        lines += [
            'Detection transfer (Faster R-CNN, FPN, the exported student as backbone, '
            f'{args.det_iters} iterations, {args.det_images[0]} train / {args.det_images[1]} val canvases '
            'composed from Fashion-MNIST test objects):',
            '',
            '| bbox mAP | mAP@0.5 | mAP@0.75 | time (min) |',
            '|---|---|---|---|',
            f'| {100 * det.get("coco/bbox_mAP", float("nan")):.1f} '
            f'| {100 * det.get("coco/bbox_mAP_50", float("nan")):.1f} '
            f'| {100 * det.get("coco/bbox_mAP_75", float("nan")):.1f} | {det["seconds"] / 60:.1f} |',
            '',
        ]
    if len(seed_rows) > 1:
        lines += seed_section(seed_rows)
    lines += [
        'What a run this small can and cannot show: '
        + ('one seed' if len(seed_rows) == 1 else f'{len(seed_rows)} seeds')
        + ', a few epochs on a subset, and a test split '
        'that is also the validation split. Differences of a few tenths of a point are within seed noise; '
        'the "best epoch" column is selected on the test split and is optimistic. The detection set is '
        'composed, so its mAP only shows that the transfer path works end to end.',
        '',
        '![accuracy curves](curves.png)',
        '',
        '![final accuracy](accuracy.png)',
        '',
    ]
    out = osp.join(args.work_dir, 'results.md')
    with open(out, 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines[: len(lines)]))
    print(f'\nwrote {out}, {curves}, {bars}')


if __name__ == '__main__':
    main()
