from .export import export_student, extract_student, student_prefix
from .features import build_eval_dataset, extract_features, l2_normalize, load_feature_model
from .kmeans import cluster_report, run_kmeans
from .runner import load_config, model_config, prepare_test_cfg, prepare_train_cfg

__all__ = [
    'load_config',
    'model_config',
    'prepare_train_cfg',
    'prepare_test_cfg',
    'export_student',
    'extract_student',
    'student_prefix',
    'build_eval_dataset',
    'load_feature_model',
    'extract_features',
    'l2_normalize',
    'run_kmeans',
    'cluster_report',
]
