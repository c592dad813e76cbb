"""SSSD stage 2: cluster the target set's features into K pseudo-labels.

    python tools/kmeans_pseudo_labels.py CONFIG CKPT --num-clusters K --out ANN [--split train]
        [--eval-split test] [--seed 0] [--batch-size 256] [--random-labels]

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
import copy
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmkd  # noqa: E402,F401
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.dataset import default_collate  # noqa: E402
from mmengine.runner.checkpoint import _load_checkpoint  # noqa: E402

from mmkd.apis.export import student_prefix  # noqa: E402
from mmkd.apis.runner import load_config  # noqa: E402
from mmkd.datasets.pseudo_label_dataset import (cluster_majority_accuracy, cluster_purity,  # noqa: E402
                                                majority_mapping, write_pseudo_labels)
from mmkd.models.distillers.base import load_frozen_checkpoint  # noqa: E402

LABEL_WRAPPERS = ('PseudoLabelDataset', )  # wrappers that only replace labels: embed what they wrap


# --------------------------------------------------------------------------- shared with linear_probe
def build_eval_dataset(cfg, split: str):
    """``split``'s dataset of ``cfg`` with the test pipeline (no augmentation, one view, true labels)."""
    from mmkd.registry import DATASETS
    loader = cfg.get(f'{split}_dataloader')
    if not loader or not loader.get('dataset'):
        raise ValueError(f'{cfg.filename} has no {split}_dataloader.dataset to embed')
    ds_cfg = copy.deepcopy(loader['dataset'])
    while isinstance(ds_cfg, dict) and ds_cfg.get('type') in LABEL_WRAPPERS:
        ds_cfg = ds_cfg['dataset']
    pipeline = None
    for name in ('test_dataloader', 'val_dataloader'):
        source = (cfg.get(name) or {}).get('dataset')
        while isinstance(source, dict) and source.get('type') in LABEL_WRAPPERS:
            source = source['dataset']
        if source and source.get('pipeline'):
            pipeline = copy.deepcopy(source['pipeline'])
            break
    if pipeline is None:
        raise ValueError(f'{cfg.filename} has no test_dataloader / val_dataloader pipeline to embed with')
    ds_cfg['pipeline'] = pipeline
    return DATASETS.build(ds_cfg)


def load_feature_model(cfg, ckpt: str, device: str = 'cpu', with_exits: bool = True):
    """Build ``cfg.model`` and load the backbone (and SSSD exits, when there) from ``ckpt``.

    Returns (model, exits_loaded). The backbone is the model's own, or its ``student``'s.
    """
    from mmkd.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    model = MODELS.build(model_cfg)
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f'checkpoint {ckpt} does not exist')
    state = _load_checkpoint(ckpt, map_location='cpu')
    state = state.get('state_dict', state)
    prefix = student_prefix(state)
    root = getattr(model, 'student', model)
    load_frozen_checkpoint(root.backbone, ckpt, 'backbone', prefix=prefix + 'backbone.')
    exits_loaded = False
    if with_exits and hasattr(model, 'exits') and any(k.startswith('exits.') for k in state):
        load_frozen_checkpoint(model.exits, ckpt, 'exits', prefix='exits.')
        exits_loaded = True
    return model.to(device).eval(), exits_loaded


@torch.no_grad()
def extract_features(model, dataset, batch_size: int = 256, num_workers: int = 0, device: str = 'cpu',
                     exits: bool = False, desc: str = 'features'):
    """Pooled features of every image of ``dataset``, in order.

    Returns (list of (N, D) float32 arrays — one per SSSD exit when ``exits``, else one for the
    backbone's last stage —, (N,) int labels or None when the set has none).
    """
    from tqdm import tqdm
    if len(dataset) == 0:
        raise ValueError('the target set is empty: no features to extract')
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                                         collate_fn=default_collate)
    root = getattr(model, 'student', model)
    feats, labels = None, []
    with tqdm(total=len(dataset), desc=desc, unit='img', file=sys.stderr, dynamic_ncols=True) as bar:
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            inputs = data['inputs'].to(device)
            if exits:
                outs = model.exit_features(inputs)
            else:
                out = root.backbone(inputs)
                out = out[-1] if isinstance(out, (tuple, list)) else out
                outs = [torch.nn.functional.adaptive_avg_pool2d(out, 1).flatten(1)]
            feats = [[] for _ in outs] if feats is None else feats
            for store, f in zip(feats, outs):
                store.append(f.float().cpu().numpy())
            samples = data.get('data_samples') or []
            labels.extend(int(s.gt_label[0]) if 'gt_label' in s else None for s in samples)
            bar.update(len(inputs))
    feats = [np.concatenate(f) for f in feats]
    has_labels = len(labels) == len(feats[0]) and all(y is not None for y in labels)
    return feats, (np.asarray(labels, dtype=np.int64) if has_labels else None)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


# --------------------------------------------------------------------------- clustering
def run_kmeans(feats: np.ndarray, num_clusters: int, seed: int = 0, n_init: int = 3, max_iter: int = 100,
               batch_size: int = 4096):
    """scikit-learn ``MiniBatchKMeans`` on ``feats``; returns (fitted estimator, cluster ids)."""
    from sklearn.cluster import MiniBatchKMeans
    n = len(feats)
    if n == 0:
        raise ValueError('the feature set is empty: nothing to cluster')
    if not 1 <= num_clusters <= n:
        raise ValueError(f'--num-clusters {num_clusters} must be between 1 and the {n} samples of the target set')
    km = MiniBatchKMeans(n_clusters=num_clusters, random_state=seed, n_init=n_init, max_iter=max_iter,
                         batch_size=min(n, max(batch_size, 3 * num_clusters)))
    return km, km.fit_predict(feats).astype(np.int64)


def cluster_report(clusters: np.ndarray, num_clusters: int, labels=None) -> dict:
    """Cluster-size statistics, and NMI / purity against ``labels`` when given."""
    sizes = np.bincount(clusters, minlength=num_clusters)
    used = sizes[sizes > 0]
    report = dict(num_samples=int(len(clusters)), empty_clusters=int((sizes == 0).sum()),
                  cluster_size_min=int(used.min()), cluster_size_median=float(np.median(used)),
                  cluster_size_max=int(used.max()), cluster_size_mean=float(used.mean()))
    if labels is not None:
        from sklearn.metrics import normalized_mutual_info_score
        report['nmi'] = float(normalized_mutual_info_score(labels, clusters))
        report['purity'] = cluster_purity(clusters, labels)
    return report


def parse_args():
    parser = argparse.ArgumentParser(description='SSSD stage 2: k-means pseudo-labels from a stage-1 backbone')
    parser.add_argument('config', help='config whose model holds the backbone (e.g. the stage-1 MoCo config)')
    parser.add_argument('checkpoint', nargs='?', help='its checkpoint (not needed with --random-labels)')
    parser.add_argument('--num-clusters', '-k', type=int, required=True, help='K, the number of pseudo-classes')
    parser.add_argument('--out', required=True, help='annotation file to write (.json)')
    parser.add_argument('--split', default='train', choices=['train', 'val', 'test'],
                        help='which dataloader of CONFIG is the target set (default: train)')
    parser.add_argument('--eval-split', choices=['val', 'test'], default=None,
                        help='also score held-out images assigned to the nearest centroid (needs labels)')
    parser.add_argument('--batch-size', type=int, default=256, help='feature extraction batch size')
    parser.add_argument('--num-workers', type=int, default=2, help='data loading workers')
    parser.add_argument('--seed', type=int, default=0, help='k-means (or random label) seed')
    parser.add_argument('--n-init', type=int, default=3, help='k-means restarts')
    parser.add_argument('--max-iter', type=int, default=100, help='k-means passes over the data')
    parser.add_argument('--random-labels', action='store_true',
                        help='the control of the paper: uniform random ids instead of k-means')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override settings in the config')
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
    meta = dict(source='random' if args.random_labels else 'kmeans', config=osp.abspath(args.config),
                split=args.split, seed=args.seed)
    t0 = time.time()
    n = len(dataset)
    if n == 0:
        raise ValueError(f'the target set ({args.split} split of {args.config}) is empty: no samples to label')
    if args.num_clusters > n:
        raise ValueError(f'--num-clusters {args.num_clusters} exceeds the {n} samples of the target set')
    if args.random_labels:
        clusters = np.random.default_rng(args.seed).integers(0, args.num_clusters, size=n)
        infos = [dataset.get_data_info(i) for i in range(n)]
        labels = (np.array([int(i['gt_label']) for i in infos]) if all('gt_label' in i for i in infos) else None)
        km = None
    else:
        model, _ = load_feature_model(cfg, args.checkpoint, args.device, with_exits=False)
        (feats, ), labels = extract_features(model, dataset, args.batch_size, args.num_workers, args.device,
                                             desc=f'embed {args.split}')
        feats = l2_normalize(feats)
        print(f'clustering {len(feats)} x {feats.shape[1]} features into {args.num_clusters} clusters ...',
              flush=True)
        km, clusters = run_kmeans(feats, args.num_clusters, args.seed, args.n_init, args.max_iter)
        meta.update(checkpoint=osp.abspath(args.checkpoint), feature='gap_l2norm', feature_dim=int(feats.shape[1]),
                    inertia=float(km.inertia_))
    report = cluster_report(clusters, args.num_clusters, labels)
    if labels is not None:
        mapping = majority_mapping(clusters, labels, args.num_clusters)
        meta['cluster_to_class'] = mapping.tolist()
        if args.eval_split:
            if km is None:
                raise ValueError('--eval-split needs k-means centroids; it does not apply to --random-labels')
            held_out = build_eval_dataset(cfg, args.eval_split)
            (test_feats, ), test_labels = extract_features(model, held_out, args.batch_size, args.num_workers,
                                                           args.device, desc=f'embed {args.eval_split}')
            if test_labels is None:
                raise ValueError(f'--eval-split {args.eval_split}: the set has no labels to score against')
            test_clusters = km.predict(l2_normalize(test_feats)).astype(np.int64)
            report[f'{args.eval_split}_majority_acc'] = cluster_majority_accuracy(test_clusters, test_labels, mapping)
    meta['report'] = report
    write_pseudo_labels(args.out, clusters, args.num_clusters, meta)
    lines = [f'wrote {len(clusters)} pseudo-labels ({meta["source"]}, K={args.num_clusters}) to {args.out} '
             f'in {time.time() - t0:.1f}s',
             f'cluster sizes: min {report["cluster_size_min"]}, median {report["cluster_size_median"]:g}, '
             f'mean {report["cluster_size_mean"]:.1f}, max {report["cluster_size_max"]}, '
             f'empty {report["empty_clusters"]}']
    if 'nmi' in report:
        lines.append(f'vs true labels: NMI {report["nmi"]:.4f}, purity (cluster -> majority class accuracy on '
                     f'{args.split}) {100 * report["purity"]:.2f}%')
    else:
        lines.append('the target set has no labels: NMI / purity not computed')
    if args.eval_split and f'{args.eval_split}_majority_acc' in report:
        lines.append(f'{args.eval_split}: cluster -> majority class accuracy '
                     f'{100 * report[f"{args.eval_split}_majority_acc"]:.2f}%')
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
