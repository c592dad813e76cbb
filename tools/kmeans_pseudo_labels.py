"""SSSD stage 2: cluster the target set's features into K pseudo-labels.

    python tools/kmeans_pseudo_labels.py CONFIG CKPT --num-clusters K --out ANN [--split train]
        [--eval-split test] [--seed 0] [--batch-size 256] [--random-labels] [--progress auto|bar|lines|off]

CONFIG is the stage-1 (MoCo) config, or any config whose model holds the backbone to embed with
(a classifier, a distiller's ``student``); CKPT its checkpoint (a training checkpoint or an
exported one). Every image of ``CONFIG``'s ``--split`` set goes through the config's test
pipeline and the backbone; the globally pooled, L2-normalised last-stage features are clustered
with scikit-learn's ``MiniBatchKMeans``. ANN (see ``mmkd.datasets.pseudo_label_dataset``) is read
by ``PseudoLabelDataset`` in the stage-3 config. When the set has labels, the tool reports NMI,
purity (= cluster -> majority-class accuracy on the set itself) and, with ``--eval-split``, the
majority-class accuracy of held-out images assigned to their nearest centroid; the mapping is
stored as ``metainfo.cluster_to_class`` for evaluation only (training never reads it).
"""

import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.apis.features import build_eval_dataset, extract_features, l2_normalize, load_feature_model  # noqa: E402
from mmkd.apis.kmeans import cluster_report, run_kmeans, warn_empty_clusters  # noqa: E402
from mmkd.apis.runner import load_config  # noqa: E402
from mmkd.datasets.pseudo_label_dataset import cluster_majority_accuracy, majority_mapping, write_pseudo_labels  # noqa: E402
from mmkd.utils.progress import add_progress_argument  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='SSSD stage 2: k-means pseudo-labels from a stage-1 backbone')
    parser.add_argument('config', help='config whose model holds the backbone (e.g. the stage-1 MoCo config)')
    parser.add_argument('checkpoint', nargs='?', help='its checkpoint (not needed with --random-labels)')
    parser.add_argument('--num-clusters', '-k', type=int, required=True, help='K, the number of pseudo-classes')
    parser.add_argument('--out', required=True, help='annotation file to write (.json)')
    parser.add_argument(
        '--split',
        default='train',
        choices=['train', 'val', 'test'],
        help='which dataloader of CONFIG is the target set (default: train)',
    )
    parser.add_argument(
        '--eval-split',
        choices=['val', 'test'],
        default=None,
        help='also score held-out images assigned to the nearest centroid (needs labels)',
    )
    parser.add_argument('--batch-size', type=int, default=256, help='feature extraction batch size')
    parser.add_argument('--num-workers', type=int, default=2, help='data loading workers')
    parser.add_argument('--seed', type=int, default=0, help='k-means (or random label) seed')
    parser.add_argument('--n-init', type=int, default=3, help='k-means restarts')
    parser.add_argument('--max-iter', type=int, default=100, help='k-means passes over the data')
    parser.add_argument(
        '--random-labels', action='store_true', help='the control of the paper: uniform random ids instead of k-means'
    )
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override settings in the config')
    add_progress_argument(parser)
    return parser.parse_args()


def pseudo_labels(args) -> str:
    if args.num_clusters < 1:
        raise ValueError(f'--num-clusters must be >= 1, got {args.num_clusters}')
    if not args.random_labels and not args.checkpoint:
        raise ValueError('a CHECKPOINT is needed (or pass --random-labels for the control)')
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    cfg = load_config(args.config, args.cfg_options)
    dataset = build_eval_dataset(cfg, args.split)
    meta = dict(
        source='random' if args.random_labels else 'kmeans',
        config=osp.abspath(args.config),
        split=args.split,
        seed=args.seed,
    )
    t0 = time.time()
    progress = getattr(args, 'progress', True)
    n = len(dataset)
    if n == 0:
        raise ValueError(f'the target set ({args.split} split of {args.config}) is empty: no samples to label')
    if args.num_clusters > n:
        raise ValueError(
            f'--num-clusters {args.num_clusters} exceeds the {n} samples of the target set '
            f'({args.split} split of {args.config}): lower num_clusters to at most {n}'
        )
    if args.random_labels:
        clusters = np.random.default_rng(args.seed).integers(0, args.num_clusters, size=n)
        warn_empty_clusters(clusters, args.num_clusters)
        infos = [dataset.get_data_info(i) for i in range(n)]
        labels = np.array([int(i['gt_label']) for i in infos]) if all('gt_label' in i for i in infos) else None
        km = None
    else:
        model, _ = load_feature_model(cfg, args.checkpoint, args.device, with_exits=False)
        (feats,), labels = extract_features(
            model,
            dataset,
            args.batch_size,
            args.num_workers,
            args.device,
            desc=f'embed {args.split}',
            progress=progress,
        )
        feats = l2_normalize(feats)
        print(f'clustering {len(feats)} x {feats.shape[1]} features into {args.num_clusters} clusters ...', flush=True)
        km, clusters = run_kmeans(feats, args.num_clusters, args.seed, args.n_init, args.max_iter, progress=progress)
        meta.update(
            checkpoint=osp.abspath(args.checkpoint),
            feature='gap_l2norm',
            feature_dim=int(feats.shape[1]),
            inertia=float(km.inertia_),
        )
    report = cluster_report(clusters, args.num_clusters, labels)
    if labels is not None:
        mapping = majority_mapping(clusters, labels, args.num_clusters)
        meta['cluster_to_class'] = mapping.tolist()
        if args.eval_split:
            if km is None:
                raise ValueError('--eval-split needs k-means centroids; it does not apply to --random-labels')
            held_out = build_eval_dataset(cfg, args.eval_split)
            (test_feats,), test_labels = extract_features(
                model,
                held_out,
                args.batch_size,
                args.num_workers,
                args.device,
                desc=f'embed {args.eval_split}',
                progress=progress,
            )
            if test_labels is None:
                raise ValueError(f'--eval-split {args.eval_split}: the set has no labels to score against')
            test_clusters = km.predict(l2_normalize(test_feats)).astype(np.int64)
            report[f'{args.eval_split}_majority_acc'] = cluster_majority_accuracy(test_clusters, test_labels, mapping)
    meta['report'] = report
    write_pseudo_labels(args.out, clusters, args.num_clusters, meta)
    lines = [
        f'wrote {len(clusters)} pseudo-labels ({meta["source"]}, K={args.num_clusters}) to {args.out} '
        f'in {time.time() - t0:.1f}s',
        f'cluster sizes: min {report["cluster_size_min"]}, median {report["cluster_size_median"]:g}, '
        f'mean {report["cluster_size_mean"]:.1f}, max {report["cluster_size_max"]}, '
        f'empty {report["empty_clusters"]}',
    ]
    if 'nmi' in report:
        lines.append(
            f'vs true labels: NMI {report["nmi"]:.4f}, purity (cluster -> majority class accuracy on '
            f'{args.split}) {100 * report["purity"]:.2f}%'
        )
    else:
        lines.append('the target set has no labels: NMI / purity not computed')
    if args.eval_split and f'{args.eval_split}_majority_acc' in report:
        lines.append(
            f'{args.eval_split}: cluster -> majority class accuracy '
            f'{100 * report[f"{args.eval_split}_majority_acc"]:.2f}%'
        )
    return '\n'.join(lines)


def main():
    args = parse_args()
    try:
        summary = pseudo_labels(args)
    except (ValueError, FileNotFoundError, TypeError) as e:
        sys.exit(f'kmeans_pseudo_labels: {e}')
    print(summary)


if __name__ == '__main__':
    main()
