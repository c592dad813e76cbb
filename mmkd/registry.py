"""mmkd's registries: children of mmpretrain's, so configs with ``default_scope='mmkd'`` reach
every mmpretrain (and mmengine) module as well as ours."""

from mmengine.registry import Registry
from mmpretrain import registry as mmpretrain_registry

__all__ = [
    'RUNNERS',
    'RUNNER_CONSTRUCTORS',
    'LOOPS',
    'HOOKS',
    'LOG_PROCESSORS',
    'OPTIMIZERS',
    'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS',
    'DATASETS',
    'DATA_SAMPLERS',
    'TRANSFORMS',
    'MODELS',
    'MODEL_WRAPPERS',
    'WEIGHT_INITIALIZERS',
    'BATCH_AUGMENTS',
    'TASK_UTILS',
    'METRICS',
    'EVALUATORS',
    'VISUALIZERS',
    'VISBACKENDS',
]


def _child(name: str, location: str) -> Registry:
    parent = getattr(mmpretrain_registry, name)
    # A child's lookup falls back to the parent's modules without importing the parent's
    # locations, so import them from ours as well.
    return Registry(parent.name, parent=parent, scope='mmkd', locations=[location, *parent._locations])


RUNNERS = _child('RUNNERS', 'mmkd.engine')
RUNNER_CONSTRUCTORS = _child('RUNNER_CONSTRUCTORS', 'mmkd.engine')
LOOPS = _child('LOOPS', 'mmkd.engine')
HOOKS = _child('HOOKS', 'mmkd.engine')
LOG_PROCESSORS = _child('LOG_PROCESSORS', 'mmkd.engine')
OPTIMIZERS = _child('OPTIMIZERS', 'mmkd.engine')
OPTIM_WRAPPERS = _child('OPTIM_WRAPPERS', 'mmkd.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('OPTIM_WRAPPER_CONSTRUCTORS', 'mmkd.engine')
PARAM_SCHEDULERS = _child('PARAM_SCHEDULERS', 'mmkd.engine')
DATASETS = _child('DATASETS', 'mmkd.datasets')
DATA_SAMPLERS = _child('DATA_SAMPLERS', 'mmkd.datasets')
TRANSFORMS = _child('TRANSFORMS', 'mmkd.datasets')
MODELS = _child('MODELS', 'mmkd.models')
MODEL_WRAPPERS = _child('MODEL_WRAPPERS', 'mmkd.models')
WEIGHT_INITIALIZERS = _child('WEIGHT_INITIALIZERS', 'mmkd.models')
BATCH_AUGMENTS = _child('BATCH_AUGMENTS', 'mmkd.models')
TASK_UTILS = _child('TASK_UTILS', 'mmkd.models')
METRICS = _child('METRICS', 'mmkd.evaluation')
EVALUATORS = _child('EVALUATORS', 'mmkd.evaluation')
VISUALIZERS = _child('VISUALIZERS', 'mmkd.visualization')
VISBACKENDS = _child('VISBACKENDS', 'mmkd.visualization')
