"""k-means pseudo-labels (SSSD stage 2) and how well clusters match labels."""
import warnings

import numpy as np

from mmkd.datasets.pseudo_label_dataset import cluster_purity


def run_kmeans(feats: np.ndarray, num_clusters: int, seed: int = 0, n_init: int = 3, max_iter: int = 100,
               batch_size: int = 4096):
    """scikit-learn ``MiniBatchKMeans`` on ``feats``; returns (fitted estimator, cluster ids)."""
    from sklearn.cluster import MiniBatchKMeans
    n = len(feats)
    if n == 0:
        raise ValueError('the feature set is empty: nothing to cluster')
    if not 1 <= num_clusters <= n:
        raise ValueError(f'--num-clusters {num_clusters} must be between 1 and the {n} samples of the target set: '
                         f'lower num_clusters to at most {n}, or cluster a larger split')
    km = MiniBatchKMeans(n_clusters=num_clusters, random_state=seed, n_init=n_init, max_iter=max_iter,
                         batch_size=min(n, max(batch_size, 3 * num_clusters)))
    clusters = km.fit_predict(feats).astype(np.int64)
    warn_empty_clusters(clusters, num_clusters)
    return km, clusters


def warn_empty_clusters(clusters: np.ndarray, num_clusters: int) -> int:
    """Warn, with the count, when some of the ``num_clusters`` ids are given to no sample; return the count."""
    empty = int(num_clusters - len(np.unique(clusters)))
    if empty:
        warnings.warn(f'{empty} of the num_clusters={num_clusters} clusters are empty ({len(clusters)} samples): '
                      'those pseudo-classes have no training image; lower --num-clusters (a few samples per '
                      'cluster at least) or cluster a larger split', UserWarning, stacklevel=2)
    return empty


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
