"""mmkd's registries: children of mmpretrain's, so configs with ``default_scope='mmkd'`` reach
every mmpretrain (and mmengine) module as well as ours."""

from mmengine.registry import Registry
from mmpretrain import registry as mmpretrain_registry

__all__ = [
    'SharedRegistry',
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


class SharedRegistry(Registry):
    """A child registry that also registers each module in its parent (mmpretrain's) where the name is free.

    mmpretrain's own tools and APIs (``get_model``, ``get_flops.py``, ``browse_dataset.py``, the
    inferencers) build in the ``mmpretrain`` scope, and a parent never looks into its children; the
    copy lets them build mmkd's modules by their plain names. Where mmpretrain already has the name
    (mmkd's ``LoadImageFromFile``), mmpretrain's module stays in its scope and ours in ``mmkd``.
    """

    def _register_module(self, module, module_name=None, force: bool = False) -> None:
        super()._register_module(module, module_name, force)
        self.parent.import_from_location()  # mmpretrain's modules first: a name of theirs must never clash later
        names = [module.__name__] if module_name is None else module_name
        for name in [names] if isinstance(names, str) else names:
            if name not in self.parent._module_dict:
                self.parent._register_module(module, name)


def _child(name: str, location: str) -> Registry:
    parent = getattr(mmpretrain_registry, name)
    # A child's lookup falls back to the parent's modules without importing the parent's
    # locations, so import them from ours as well.
    return SharedRegistry(parent.name, parent=parent, scope='mmkd', locations=[location, *parent._locations])


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
