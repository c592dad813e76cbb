from .export import export_student, extract_student, student_prefix
from .runner import load_config, prepare_test_cfg, prepare_train_cfg

__all__ = ['load_config', 'prepare_train_cfg', 'prepare_test_cfg', 'export_student', 'extract_student',
           'student_prefix']
