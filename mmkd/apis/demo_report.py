"""The main job's report: ``results.md``, the curves and the seed plot (see :mod:`mmkd.apis.demo`)."""

import os
import os.path as osp
import platform
import time
from typing import Dict, List, Mapping

from mmkd.apis.demo import DETECTORS, METHOD_LABELS, UNLABELLED, DemoResult
from mmkd.apis.seed_stats import describe_gain, paired_gain, summarize

NETWORKS = dict(teacher='ResNet-18 w1/2 (2.8M)', student='ResNet-18 w1/4 (0.7M)')
TRANSFER_COLUMNS = dict(
    det=('{detector} bbox mAP (%)', 'coco/bbox_mAP', 100.0), seg=('DeepLabV3 mIoU (%)', 'mIoU', 1.0)
)


def demo_command(s) -> str:
    """The command line that reruns exactly this job."""
    parts = [
        'python tools/demo.py',
        f'--methods {" ".join(s.methods)}',
        f'--seeds {s.seeds}',
        f'--epochs {s.epochs}',
        f'--num-train {s.num_train}',
        f'--num-val {s.num_val}',
        f'--num-test {s.num_test}',
        f'--teacher-epochs {s.teacher_epochs}',
        f'--teacher-num-train {s.teacher_num_train}',
        *([f'--moco-epochs {s.moco_epochs}'] if s.moco_epochs else []),
        f'--transfers {" ".join(s.transfers) or "none"}',
        f'--transfer-iters {s.transfer_iters}',
        f'--transfer-seeds {s.transfer_seeds}',
        f'--detector {s.detector}',
    ]
    return ' '.join(parts)


def _mean_std(values: List[float], fmt: str = '{:.2f}') -> str:
    stats = summarize(values)
    return fmt.format(stats.mean) + (f' ± {fmt.format(stats.std)}' if stats.std is not None else '')


def _gain_cell(gain) -> str:
    cell = f'{gain.mean:+.2f}'
    return cell + (f' ({gain.low:+.2f} to {gain.high:+.2f})' if gain.low is not None else '')


def scores_by_method(result: DemoResult) -> Dict[str, Dict[int, float]]:
    """Method label -> {seed: test top-1}; the teacher (one run) under seed 0."""
    scores: Dict[str, Dict[int, float]] = {}
    if result.teacher:
        scores[result.teacher['method']] = {0: result.teacher['test']}
    for seed, rows in sorted(result.rows.items()):
        for r in rows:
            scores.setdefault(r['method'], {})[seed] = r['test']
    return scores


def protocol_lines(result: DemoResult) -> List[str]:
    s = result.settings
    val = (
        f'{s.num_val} training images held out (images {s.val_start}-{s.val_start + s.num_val - 1}, after every '
        'image any stage trains on) are the validation split: the per-epoch curves, the "best" column and the '
        'choice of the student that goes downstream are read on it; the test split is only reported.'
        if s.num_val
        else 'No validation split is held out (--num-val 0): the test split doubles as the validation split, so '
        'the "best" column and the choice of the transferred student are optimistic.'
    )
    teacher = (
        f'The teacher is trained once (seed 0) on the first {s.teacher_images:,} training images for '
        f'{s.teacher_epochs} epochs and given to every seed as a checkpoint; '
        if result.teacher
        else ''
    )
    return [
        f'{teacher}every student trains on the first {s.student_images:,} of {s.total_train:,} training images for '
        f'{s.epochs} epochs, batch {s.batch_size}, SGD (lr 0.05 per 64 images) with a 1-epoch warm-up then cosine, '
        f'under seed{"s" if s.seeds > 1 else ""} {", ".join(str(k) for k in range(s.seeds))} (every stage of every '
        f'method once per seed). Test images: {s.num_test or 10000:,} of 10,000. {val}',
        '',
    ]


def accuracy_table(result: DemoResult, scores: Mapping[str, Mapping[int, float]]) -> List[str]:
    seeds = sorted(result.rows)
    reference = METHOD_LABELS['baseline']
    lines = [
        '| method | network | test top-1 (%) | per seed | gain vs. student alone (95 % CI) '
        '| held-out val top-1 last / best (epoch) | train time (min) |',
        '|---|---|---|---|---|---|---|',
    ]
    if result.teacher:
        t = result.teacher
        lines.append(
            f'| {t["method"]} | {NETWORKS["teacher"]} | {t["test"]:.2f} | (trained once) | | {_val_cell(t)} '
            f'| {t["minutes"]:.1f} |'
        )
    for i, first in enumerate(result.rows[seeds[0]]):
        name = first['method']
        runs = [result.rows[seed][i] for seed in seeds]
        gain = ''
        if name in UNLABELLED:
            gain = 'none: trained without labels'
        elif reference in scores and name != reference:
            gain = _gain_cell(paired_gain(scores[name], scores[reference]))
        per_seed = ' / '.join(f'{r["test"]:.2f}' for r in runs) if len(runs) > 1 else ''
        val = _val_cell(first) if len(runs) == 1 else _mean_std([r['val'] for r in runs if r['val'] is not None])
        minutes = sum(r['minutes'] for r in runs)
        lines.append(
            f'| {name} | {NETWORKS["student"]} | {_mean_std([r["test"] for r in runs])} | {per_seed} | {gain} '
            f'| {val} | {minutes:.1f} |'
        )
    return lines + ['']


def _val_cell(row: dict) -> str:
    if row.get('val') is None:
        return ''
    return f'{row["val"]:.2f} / {row["val_best"]:.2f} ({row["val_best_epoch"]})'


def gain_sentences(scores: Mapping[str, Mapping[int, float]], teacher: str = None) -> List[str]:
    reference = METHOD_LABELS['baseline']
    if reference not in scores:
        return []
    words = [
        '- ' + describe_gain(name, paired_gain(by_seed, scores[reference]))
        for name, by_seed in scores.items()
        if name not in (reference, teacher, *UNLABELLED)
    ]
    words += [
        f'- {name}: trained without labels (MoCo, k-means pseudo-labels, self-distillation); its top-1 maps each '
        'cluster to its majority class on the test split, so it has no gain over a supervised student.'
        for name in scores
        if name in UNLABELLED
    ]
    return words + [''] if words else []


def transfer_lines(result: DemoResult) -> List[str]:
    s = result.settings
    if not result.transfers:
        return []
    by_backbone: Dict[str, Dict[str, Dict[int, float]]] = {}  # backbone -> task -> seed -> value
    minutes: Dict[str, float] = {}
    for name, per_seed in result.transfers.items():
        for seed, rec in per_seed.items():
            _, key, scale = TRANSFER_COLUMNS[rec['task']]
            value = (rec.get('test_metrics') or {}).get(key)
            cell = by_backbone.setdefault(rec['backbone'], {}).setdefault(rec['task'], {})
            cell[seed] = None if value is None else scale * float(value)
            minutes[rec['backbone']] = minutes.get(rec['backbone'], 0.0) + rec.get('seconds', 0) / 60
    tasks = [t for t in ('det', 'seg') if t in s.transfers]
    detector = DETECTORS[s.detector][1]
    header = ' | '.join(TRANSFER_COLUMNS[t][0].format(detector=detector) for t in tasks)
    lines = [
        f'Transfer: each backbone exported and fine-tuned for {s.transfer_iters} iterations on '
        f'{s.det_images[0]} composed training canvases (Fashion-MNIST test objects pasted on larger images, '
        'disjoint object pools for training and evaluation), scored on '
        f'{s.det_images[1]} composed validation canvases; seed{"s" if s.transfer_seeds > 1 else ""} '
        f'{", ".join(str(k) for k in range(s.transfer_seeds))}'
        + (
            f'; the distilled backbone is {METHOD_LABELS.get(result.best, result.best)}, the one with the best '
            'held-out validation top-1'
            if result.best
            else ''
        )
        + '.',
        '',
        f'| backbone | {header} | time (min) |',
        '|---|' + '---|' * len(tasks) + '---|',
    ]
    for backbone, cells in by_backbone.items():
        row = []
        for t in tasks:
            vals = [v for v in cells.get(t, {}).values() if v is not None]
            row.append(_mean_std(vals, '{:.1f}') if vals else 'none (nothing detected: train longer)')
        lines.append(f'| {backbone} | {" | ".join(row)} | {minutes[backbone]:.1f} |')
    alone = METHOD_LABELS['baseline']
    others = [b for b in by_backbone if b != alone]
    if alone in by_backbone and others:
        row = []
        for t in tasks:
            a, b = by_backbone[alone].get(t, {}), by_backbone[others[0]].get(t, {})
            a = {k: v for k, v in a.items() if v is not None}
            b = {k: v for k, v in b.items() if v is not None}
            row.append(_gain_cell(paired_gain(b, a)) if set(a) & set(b) else '')
        lines.append(f'| gain of {others[0]} (same seed, 95 % CI) | {" | ".join(row)} | |')
    return lines + ['']


def noise_lines(result: DemoResult) -> List[str]:
    s = result.settings
    seeds = 'one seed' if s.seeds == 1 else f'{s.seeds} seeds'
    return [
        f'What this can and cannot show: {seeds}, {s.epochs} epochs on {s.student_images:,} images. '
        + (
            'With one seed there is no interval: differences of a point or so are within what another seed '
            'moves (`--seeds 3` or `--preset benchmark` measure it). '
            if s.seeds == 1
            else 'A gain is real at this protocol only where its interval excludes zero. '
        )
        + 'The composed detection and segmentation sets are synthetic: they show whether a backbone carries '
        'over, not what it would score on VOC, COCO or ADE20K. The papers report other datasets and budgets '
        '(their numbers are in docs/model_zoo.md, labelled as theirs).',
        '',
    ]


def write_report(result: DemoResult) -> str:
    """Write ``results.md``, ``curves.png`` and ``accuracy.png`` into the job's folder; return the markdown."""
    from mmkd.visualization.curves import plot_curves
    from mmkd.visualization.demo_plots import plot_seed_scores

    s = result.settings
    work = s.work_dir
    scores = scores_by_method(result)
    teacher = result.teacher['method'] if result.teacher else None
    first = result.run_dirs[min(result.run_dirs)]
    runs = ([osp.join(work, 'teacher')] if result.teacher else []) + [
        osp.join(first, r['stage']) for r in result.rows[min(result.rows)]
    ]
    names = ([teacher] if teacher else []) + [r['method'] for r in result.rows[min(result.rows)]]
    plot_curves(
        runs,
        ['accuracy/top1', 'loss'],
        osp.join(work, 'curves.png'),
        names=names,
        title='validation top-1 per epoch (held-out training images) and training loss; seed 0',
    )
    apart = [n for n in (teacher, *UNLABELLED) if n]
    plot_seed_scores(scores, METHOD_LABELS['baseline'], osp.join(work, 'accuracy.png'), apart=apart)
    lines = [
        '# mmkd demo results (Fashion-MNIST)',
        '',
        f'Command: `{demo_command(s)}`  ',
        f'Finished: {time.strftime("%Y-%m-%d %H:%M")}, machine: {platform.machine()}, {os.cpu_count()} CPU cores, '
        f'OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS", "unset")}; wall time {result.seconds / 60:.1f} min '
        '(reused stages count 0).',
        '',
        *protocol_lines(result),
        *accuracy_table(result, scores),
        *gain_sentences(scores, teacher),
    ]
    if result.best:
        exported = osp.join(work, 'student.pth')
        lines += [
            f'Best distilled student by held-out validation top-1: **{METHOD_LABELS.get(result.best, result.best)}**'
            + (f', exported to `{exported}`.' if osp.isfile(exported) and result.transfers else '.'),
            '',
        ]
    lines += transfer_lines(result)
    lines += noise_lines(result)
    lines += ['![accuracy curves](curves.png)', '', '![test top-1 over seeds](accuracy.png)', '']
    text = '\n'.join(lines)
    with open(osp.join(work, 'results.md'), 'w') as f:
        f.write(text)
    return text
