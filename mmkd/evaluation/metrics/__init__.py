from .branch_accuracy import BranchAccuracy
from .css_metrics import CSSMetric, mean_pairwise_distance
from .exit_accuracy import ExitAccuracy

__all__ = ['BranchAccuracy', 'CSSMetric', 'ExitAccuracy', 'mean_pairwise_distance']
