from typing import Dict, Optional

import torch.nn as nn
from mmengine.optim import OptimWrapperDict

from mmkd.registry import OPTIM_WRAPPER_CONSTRUCTORS

from .distill_constructor import DistillOptimWrapperConstructor


class _RestConstructor(DistillOptimWrapperConstructor):
    """``DistillOptimWrapperConstructor`` over the whole model, minus the parameters of other groups."""

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict], taken: set):
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        self.taken = taken

    def _keep(self, param: nn.Parameter) -> bool:
        return param.requires_grad and id(param) not in self.taken


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """One optimizer wrapper per named group of parameters, as an ``OptimWrapperDict`` (GAN-style training).

    A group named after a submodule (``discriminators``, ``student.backbone``) takes that submodule's
    trainable parameters; at most one group named after no submodule (``network``) takes every other
    trainable one. Frozen parameters go to no optimizer, and each group is built by
    :class:`DistillOptimWrapperConstructor` (a ``paramwise_cfg`` inside a group works as usual; a named
    group's ``custom_keys`` match the names inside its submodule).

    Example:
        >>> optim_wrapper = dict(
        ...     constructor='MultiOptimWrapperConstructor',
        ...     discriminators=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        ...     network=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)))

    Args:
        optim_wrapper_cfg (dict): ``{group: optimizer wrapper config}``, each with an ``optimizer`` (and
            optionally ``type``, ``clip_grad``, ``accumulative_counts``, ``paramwise_cfg``).
        paramwise_cfg (dict, optional): must be None: set it inside a group.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None):
        how = (
            "write optim_wrapper=dict(constructor='MultiOptimWrapperConstructor', <group>=dict(optimizer=...), ...), "
            'with _delete_=True where a base config sets a single optimizer'
        )
        if paramwise_cfg is not None:
            raise ValueError(f'MultiOptimWrapperConstructor: set paramwise_cfg inside each group; {how}')
        if not isinstance(optim_wrapper_cfg, dict) or not optim_wrapper_cfg:
            raise ValueError(f'MultiOptimWrapperConstructor needs at least one group; {how}')
        for key, cfg in optim_wrapper_cfg.items():
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise ValueError(
                    f'MultiOptimWrapperConstructor: optim_wrapper.{key} is not a group (a dict with an optimizer): '
                    f'got {cfg!r}; {how}'
                )
        self.groups = {key: dict(cfg) for key, cfg in optim_wrapper_cfg.items()}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if hasattr(model, 'module'):
            model = model.module
        names = {id(p): n for n, p in model.named_parameters()}
        modules, rest = {}, []
        for key in self.groups:
            try:
                modules[key] = model.get_submodule(key)
            except AttributeError:
                rest.append(key)
        children = [n for n, m in model.named_children() if m is not None]
        if len(rest) > 1:
            raise ValueError(
                f'MultiOptimWrapperConstructor: the groups {rest} name no submodule of {type(model).__name__}; '
                f'one group may take the remaining parameters, every other must name a submodule (here: {children})'
            )
        owner: Dict[int, str] = {}
        for key, module in modules.items():
            for p in module.parameters():
                if p.requires_grad and id(p) in owner:
                    raise ValueError(
                        f'MultiOptimWrapperConstructor: {names[id(p)]} is in the groups {owner[id(p)]!r} and {key!r}'
                    )
                if p.requires_grad:
                    owner[id(p)] = key
        left = [n for n, p in model.named_parameters() if p.requires_grad and id(p) not in owner]
        if not rest and left:
            raise ValueError(
                f'MultiOptimWrapperConstructor: {len(left)} trainable parameters are in no group ({", ".join(left[:3])}'
                f'{", ..." if len(left) > 3 else ""}): add a group named after no submodule (e.g. network=dict(...)) '
                'to take them'
            )

        wrappers = {}
        for key, cfg in self.groups.items():
            cfg = dict(cfg)
            paramwise = cfg.pop('paramwise_cfg', None)
            if key in modules:
                constructor, target = DistillOptimWrapperConstructor(cfg, paramwise), modules[key]
                empty = not any(p.requires_grad for p in target.parameters())
            else:
                constructor, target = _RestConstructor(cfg, paramwise, set(owner)), model
                empty = not left
            if empty:
                raise ValueError(
                    f'MultiOptimWrapperConstructor: the group {key!r} has no trainable parameters '
                    f'({"its submodule is frozen" if key in modules else "the other groups take them all"})'
                )
            wrappers[key] = constructor(target)
        return OptimWrapperDict(**wrappers)
