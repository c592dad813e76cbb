from .moco_momentum import MoCoMomentumHook
from .teacher_check import TeacherCheckHook

__all__ = ['MoCoMomentumHook', 'TeacherCheckHook']
