from typing import Dict, List, Sequence

import torch
from mmengine.evaluator import BaseMetric
from torch import Tensor

from mmkd.registry import METRICS


def mean_pairwise_distance(probs: Tensor) -> float:
    """Mean Euclidean distance over all unordered pairs of rows of ``probs`` (n, D); 0 for n < 2."""
    if len(probs) < 2:
        return 0.0
    i, j = torch.triu_indices(len(probs), len(probs), offset=1)
    return float(torch.linalg.vector_norm(probs[i] - probs[j], dim=-1).mean())


@METRICS.register_module()
class CSSMetric(BaseMetric):
    """Accuracy of each CSS network and of their ensemble, and the diversity of their branches.

    Reads what ``CSSDistiller.predict`` attaches to every sample: ``css_net_logits`` (n, K), the
    aggregated logits of each network, and ``css_branch_probs`` (n, m, D), the softmax of every
    branch. Samples without them are skipped, so it sits beside ``Accuracy`` in any evaluator.

    Metrics (top-1 in percent; distances are the OKDDip protocol, mean over samples):

    - ``net{k}_top1`` and, with two networks, ``ensemble_top1`` (argmax of the mean logits);
    - ``net{k}_diversity``: mean pairwise L2 distance between the branch softmaxes of network k;
    - ``all_diversity``: the same over all 2m branches of both networks (the code's ``dist_all``);
    - ``mutual_diversity``: mean distance between branch j of net1 and branch j of net2.
    """

    default_prefix = 'css'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'css_net_logits' not in sample:
                continue
            logits = torch.as_tensor(sample['css_net_logits']).float().cpu()
            probs = torch.as_tensor(sample['css_branch_probs']).float().cpu()
            label = int(torch.as_tensor(sample['gt_label']).flatten()[0])
            self.results.append(self.sample_stats(logits, probs, label))

    @staticmethod
    def sample_stats(logits: Tensor, probs: Tensor, label: int) -> Dict[str, float]:
        """Per-sample correctness and distances (see the class docstring)."""
        stats = {}
        for k, z in enumerate(logits, 1):
            stats[f'net{k}_top1'] = float(z.argmax() == label)
            stats[f'net{k}_diversity'] = mean_pairwise_distance(probs[k - 1])
        if len(logits) == 2:
            stats['ensemble_top1'] = float(logits.mean(0).argmax() == label)
            stats['all_diversity'] = mean_pairwise_distance(probs.flatten(0, 1))
            stats['mutual_diversity'] = float(torch.linalg.vector_norm(probs[0] - probs[1], dim=-1).mean())
        return stats

    def compute_metrics(self, results: List[Dict[str, float]]) -> dict:
        if not results:
            return {}
        metrics = {}
        for key in results[0]:
            mean = sum(r[key] for r in results) / len(results)
            metrics[key] = mean * 100 if key.endswith('top1') else mean
        return metrics
