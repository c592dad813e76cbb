from .teacher_check import TeacherCheckHook

__all__ = ['TeacherCheckHook']
