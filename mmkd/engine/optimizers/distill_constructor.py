import inspect

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS, OPTIMIZERS

from mmkd.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DistillOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, minus frozen parameters.

    The default one hands every parameter to the optimizer, a frozen teacher's included; we keep
    only parameters with ``requires_grad=True``. ``paramwise_cfg`` works as usual.
    """

    def __call__(self, model: nn.Module) -> OptimWrapper:
        if hasattr(model, 'module'):
            model = model.module
        wrapper_cfg = self.optim_wrapper_cfg.copy()
        wrapper_cfg.setdefault('type', 'OptimWrapper')
        optimizer_cfg = self.optimizer_cfg.copy()
        optimizer_cls = optimizer_cfg['type']
        if isinstance(optimizer_cls, str):
            with OPTIMIZERS.switch_scope_and_registry(None) as registry:
                optimizer_cls = registry.get(optimizer_cls)
        first_arg = next(iter(inspect.signature(optimizer_cls).parameters))
        if self.paramwise_cfg:
            params = []
            self.add_params(params, model)
        else:
            params = [p for p in model.parameters() if self._keep(p)]
        optimizer_cfg[first_arg] = params
        optimizer = OPTIMIZERS.build(optimizer_cfg)
        return OPTIM_WRAPPERS.build(wrapper_cfg, default_args=dict(optimizer=optimizer))

    def add_params(self, params, module, prefix='', is_dcn_module=None):
        groups = []
        super().add_params(groups, module, prefix, is_dcn_module)
        params.extend(g for g in groups if all(self._keep(p) for p in g['params']))

    def _keep(self, param: nn.Parameter) -> bool:
        return param.requires_grad
