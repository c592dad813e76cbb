from .base import BaseClassifierModel, BaseDistiller, build_classifier, freeze, gt_labels, load_frozen_checkpoint
from .css import CSSDistiller, branch_kd, branch_mean, css_dynamic_weights, css_network_cfgs, upgrade_css_cfg
from .dml import DMLDistiller, OnlineDistiller
from .hssakd import HSSAKDDistiller, OnlineHSSAKD, SSADNet
from .kd import KDDistiller
from .mixskd import MixSKDDistiller
from .sskd import SSKDDistiller, SSKDTeacher
from .sssd import BottleneckExit, SSSDDistiller, exit_paths, probe_stage_shapes

__all__ = [
    'BaseClassifierModel',
    'BaseDistiller',
    'build_classifier',
    'freeze',
    'gt_labels',
    'load_frozen_checkpoint',
    'KDDistiller',
    'DMLDistiller',
    'OnlineDistiller',
    'SSADNet',
    'HSSAKDDistiller',
    'OnlineHSSAKD',
    'MixSKDDistiller',
    'SSKDDistiller',
    'SSKDTeacher',
    'SSSDDistiller',
    'BottleneckExit',
    'exit_paths',
    'probe_stage_shapes',
    'CSSDistiller',
    'branch_kd',
    'css_dynamic_weights',
    'branch_mean',
    'css_network_cfgs',
    'upgrade_css_cfg',
]
