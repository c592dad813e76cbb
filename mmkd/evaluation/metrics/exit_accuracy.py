"""Per-exit accuracy of a multi-exit classifier (SSSD's shallow exits and their ensemble)."""

from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmkd.registry import METRICS
from mmkd.utils.choices import check_choice


@METRICS.register_module()
class ExitAccuracy(BaseMetric):
    """Top-1 accuracy (%) of every exit and of their ensemble (mean of the exits' softmax).

    Reads ``exit_scores`` that :class:`SSSDDistiller` attaches in ``predict``. When the exits
    predict cluster ids and the data carry true labels, ``cluster_to_class`` maps each predicted
    cluster to its majority class first (the cluster -> majority-class protocol); samples whose
    cluster has no class count as wrong.

    Args:
        cluster_to_class (str | Sequence[int], optional): a pseudo-label annotation file with
            ``metainfo.cluster_to_class`` (``tools/kmeans_pseudo_labels.py`` writes it when the
            target set has labels), or the mapping itself. ``None`` scores raw predictions.
        ensemble (str): ``'mean_prob'`` (average softmax, default) or ``'mean_log_prob'``.
        collect_device / prefix: see mmengine's ``BaseMetric``.
    """

    default_prefix = 'exit'
    ENSEMBLES = ('mean_prob', 'mean_log_prob')

    def __init__(
        self,
        cluster_to_class: Optional[Union[str, Sequence[int]]] = None,
        ensemble: str = 'mean_prob',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ):
        super().__init__(collect_device=collect_device, prefix=prefix)
        check_choice('ensemble', ensemble, self.ENSEMBLES, 'ExitAccuracy')
        self.ensemble = ensemble
        if isinstance(cluster_to_class, str):
            from mmkd.datasets.pseudo_label_dataset import load_pseudo_labels

            _, meta = load_pseudo_labels(cluster_to_class)
            if meta.get('cluster_to_class') is None:
                raise ValueError(
                    f'ExitAccuracy: {cluster_to_class} has no metainfo.cluster_to_class (its target '
                    'set had no labels); set cluster_to_class=None to score pseudo-labels'
                )
            cluster_to_class = meta['cluster_to_class']
        self.mapping = (
            None if cluster_to_class is None else torch.as_tensor(np.asarray(cluster_to_class), dtype=torch.long)
        )

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'exit_scores' in sample:
                self.results.append(
                    (
                        torch.as_tensor(sample['exit_scores']).float().cpu(),
                        int(torch.as_tensor(sample['gt_label']).view(-1)[0]),
                    )
                )

    def compute_metrics(self, results: list) -> dict:
        if not results:
            return {}
        scores = torch.stack([s for s, _ in results])  # (N, exits, K)
        labels = torch.tensor([y for _, y in results])
        combined = scores.mean(1) if self.ensemble == 'mean_prob' else scores.clamp_min(1e-12).log().mean(1)
        preds = torch.cat([scores.argmax(2), combined.argmax(1, keepdim=True)], 1)  # (N, exits + 1)
        if self.mapping is not None:
            if preds.max() >= len(self.mapping):
                raise ValueError(
                    f'ExitAccuracy: predicted cluster {int(preds.max())} but cluster_to_class '
                    f'covers {len(self.mapping)} clusters'
                )
            preds = self.mapping[preds]
        acc = (preds == labels[:, None]).float().mean(0) * 100
        metrics = {f'top1_exit{i + 1}': float(a) for i, a in enumerate(acc[:-1])}
        metrics['top1_ensemble'] = float(acc[-1])
        return metrics
