from typing import List, Sequence

import torch
from mmengine.evaluator import BaseMetric

from mmkd.registry import METRICS


@METRICS.register_module()
class BranchAccuracy(BaseMetric):
    """Joint-label (class x transform) accuracy of auxiliary branches, in percent, per branch.

    Reads ``branch_joint_acc`` (one value per branch: the fraction of the sample's M transformed
    copies the branch labels correctly) that models such as ``SSADNet`` attach in ``predict``.
    Samples without the field are skipped, so it sits beside ``Accuracy`` in any evaluator.
    """

    default_prefix = 'branch'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'branch_joint_acc' in sample:
                self.results.append(torch.as_tensor(sample['branch_joint_acc']).float().cpu())

    def compute_metrics(self, results: List[torch.Tensor]) -> dict:
        if not results:
            return {}
        acc = torch.stack(results).mean(0) * 100
        metrics = {f'joint_acc{i}': float(v) for i, v in enumerate(acc)}
        metrics['joint_acc_mean'] = float(acc.mean())
        return metrics
