"""Downstream transfer of distilled backbones to mmdet / mmseg (configs in configs/transfer/).

Importing this package registers :class:`BackboneLoadCheckHook` in mmkd's, mmdet's and mmseg's
``HOOKS`` registries, so ``custom_hooks=[dict(type='BackboneLoadCheckHook')]`` resolves under
``default_scope='mmdet'`` and ``'mmseg'`` alike (transfer configs import it with
``custom_imports=dict(imports=['mmkd.transfer'])``).
"""

import importlib

from mmkd.registry import HOOKS

from .checks import BackboneCheckpointError, BackboneLoadCheckHook, check_backbone_checkpoint, pretrained_init_cfg

__all__ = ['BackboneCheckpointError', 'BackboneLoadCheckHook', 'check_backbone_checkpoint', 'pretrained_init_cfg']


def _register_hook() -> None:
    # A scoped name ('mmkd.BackboneLoadCheckHook') does not resolve from the mmdet / mmseg scopes:
    # mmkd's registries are children of mmpretrain's, not of the mmengine root that those scopes
    # search. So the hook is registered in each toolbox's own HOOKS registry.
    registries = [HOOKS]
    for toolbox in ('mmdet', 'mmseg'):
        try:
            registries.append(importlib.import_module(f'{toolbox}.registry').HOOKS)
        except ImportError:  # the toolbox is not installed: nothing to register there
            pass
    for registry in registries:
        if registry.module_dict.get('BackboneLoadCheckHook') is not BackboneLoadCheckHook:
            registry.register_module(module=BackboneLoadCheckHook, force=True)


_register_hook()
