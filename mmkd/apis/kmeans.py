"""k-means pseudo-labels (SSSD stage 2) and how well clusters match labels."""

import contextlib
import io
import re
import sys
import warnings

import numpy as np

from mmkd.datasets.pseudo_label_dataset import cluster_purity


def run_kmeans(
    feats: np.ndarray,
    num_clusters: int,
    seed: int = 0,
    n_init: int = 3,
    max_iter: int = 100,
    batch_size: int = 4096,
    progress=True,
):
    """scikit-learn ``MiniBatchKMeans`` on ``feats``; returns (fitted estimator, cluster ids).

    ``progress`` (see :mod:`mmkd.utils.progress`) reports the ``n_init`` initialisations and the
    mini-batch steps. scikit-learn has no callback: its ``verbose`` lines (which change nothing in the
    computation) are read from stdout while it fits and turned into the progress output; the
    returned estimator has ``verbose=0`` again. ``progress=False`` fits exactly as before, silently.
    """
    from sklearn.cluster import MiniBatchKMeans

    from mmkd.utils.progress import progress_mode

    n = len(feats)
    if n == 0:
        raise ValueError('the feature set is empty: nothing to cluster')
    if not 1 <= num_clusters <= n:
        raise ValueError(
            f'--num-clusters {num_clusters} must be between 1 and the {n} samples of the target set: '
            f'lower num_clusters to at most {n}, or cluster a larger split'
        )
    km = MiniBatchKMeans(
        n_clusters=num_clusters,
        random_state=seed,
        n_init=n_init,
        max_iter=max_iter,
        batch_size=min(n, max(batch_size, 3 * num_clusters)),
    )
    if progress_mode(progress) == 'off':
        clusters = km.fit_predict(feats)
    else:
        km.set_params(verbose=1)
        sink = _KMeansProgress(progress, sys.stdout)
        try:
            with contextlib.redirect_stdout(sink):
                clusters = km.fit_predict(feats)
        finally:
            km.set_params(verbose=0)
            sink.close()
    clusters = clusters.astype(np.int64)
    warn_empty_clusters(clusters, num_clusters)
    return km, clusters


class _KMeansProgress(io.TextIOBase):
    """A stdout stand-in that turns ``MiniBatchKMeans(verbose=1)`` lines into progress output.

    Lines it does not recognise go on to the real stdout unchanged.
    """

    INIT = re.compile(r'^Init (\d+)/(\d+) with method')
    STEP = re.compile(r'^Minibatch step (\d+)/(\d+):')
    CONVERGED = re.compile(r'^Converged \((.*)\) at step (\d+)/(\d+)')
    QUIET = re.compile(r'^(Inertia for init \d+/\d+:|\[MiniBatchKMeans\] Reassigning)')

    def __init__(self, progress, passthrough):
        super().__init__()
        self.progress, self.passthrough = progress, passthrough
        self.inits = self.steps = None
        self.converged = ''
        self._buf = ''

    def writable(self):
        return True

    def write(self, text: str) -> int:
        self._buf += text
        *lines, self._buf = self._buf.split('\n')
        for line in lines:
            self._line(line)
        return len(text)

    def _reporter(self, total: int, desc: str, unit: str):
        from mmkd.utils.progress import ProgressReporter

        return ProgressReporter(total, desc, unit, self.progress)

    def _line(self, line: str) -> None:
        m = self.INIT.match(line)
        if m:
            if self.inits is None:
                self.inits = self._reporter(int(m.group(2)), 'k-means init', 'init')
            self.inits.update_to(int(m.group(1)) - 1)  # init i starts: i - 1 are done
            return
        m = self.STEP.match(line)
        if m:
            if self.steps is None:
                if self.inits is not None:
                    self.inits.update_to(self.inits.total)
                    self.inits.close()
                self.steps = self._reporter(int(m.group(2)), 'k-means', 'step')
            self.steps.update_to(int(m.group(1)))
            return
        m = self.CONVERGED.match(line)
        if m:
            self.converged = f'converged ({m.group(1)}) at step {m.group(2)}/{m.group(3)}'
            return
        if self.QUIET.match(line):
            return
        self.passthrough.write(line + '\n')

    def close(self) -> None:
        if self._buf:
            self._line(self._buf)
            self._buf = ''
        if self.inits is not None:
            self.inits.close()
        if self.steps is not None:
            self.steps.close(self.converged)
        super().close()


def warn_empty_clusters(clusters: np.ndarray, num_clusters: int) -> int:
    """Warn, with the count, when some of the ``num_clusters`` ids are given to no sample; return the count."""
    empty = int(num_clusters - len(np.unique(clusters)))
    if empty:
        warnings.warn(
            f'{empty} of the num_clusters={num_clusters} clusters are empty ({len(clusters)} samples): '
            'those pseudo-classes have no training image; lower --num-clusters (a few samples per '
            'cluster at least) or cluster a larger split',
            UserWarning,
            stacklevel=2,
        )
    return empty


def cluster_report(clusters: np.ndarray, num_clusters: int, labels=None) -> dict:
    """Cluster-size statistics, and NMI / purity against ``labels`` when given."""
    sizes = np.bincount(clusters, minlength=num_clusters)
    used = sizes[sizes > 0]
    report = dict(
        num_samples=int(len(clusters)),
        empty_clusters=int((sizes == 0).sum()),
        cluster_size_min=int(used.min()),
        cluster_size_median=float(np.median(used)),
        cluster_size_max=int(used.max()),
        cluster_size_mean=float(used.mean()),
    )
    if labels is not None:
        from sklearn.metrics import normalized_mutual_info_score

        report['nmi'] = float(normalized_mutual_info_score(labels, clusters))
        report['purity'] = cluster_purity(clusters, labels)
    return report
