from .export import export_student, extract_student, student_prefix
from .features import build_eval_dataset, extract_features, l2_normalize, load_feature_model
from .inference import get_student, inference_student, load_student_meta, student_config
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
    'student_config',
    'get_student',
    'inference_student',
    'load_student_meta',
    'build_eval_dataset',
    'load_feature_model',
    'extract_features',
    'l2_normalize',
    'run_kmeans',
    'cluster_report',
]
