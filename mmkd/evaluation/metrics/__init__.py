from .branch_accuracy import BranchAccuracy
from .css_metrics import CSSMetric, mean_pairwise_distance

__all__ = ['BranchAccuracy', 'CSSMetric', 'mean_pairwise_distance']
