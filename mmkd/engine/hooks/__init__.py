from .atomic_checkpoint import AtomicCheckpointHook  # noqa: F401
from .log_interval import AdaptiveLogIntervalHook
from .moco_momentum import MoCoMomentumHook
from .model_cfg_meta import ModelCfgMetaHook  # noqa: F401
from .teacher_check import TeacherCheckHook

__all__ = ['AdaptiveLogIntervalHook', 'MoCoMomentumHook', 'TeacherCheckHook']
