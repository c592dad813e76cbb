"""mmkd's runner: mmengine's ``Runner`` that finalises its config first (see :mod:`mmkd.apis.config`).

Configs select it with ``runner_type = 'MMKDRunner'`` (set in ``configs/_base_/default_runtime.py``),
so every launcher that builds ``RUNNERS.build(cfg)`` when ``runner_type`` is set (mmkd's, mim's and
mmpretrain's ``tools/train.py``) derives the config's values from its facts the same way.
"""

from mmengine.runner import Runner

from mmkd.registry import RUNNERS

from .hooks.log_interval import AdaptiveLogIntervalHook


@RUNNERS.register_module()
class MMKDRunner(Runner):
    """``Runner`` whose :meth:`from_cfg` finalises the config and that adapts the logger interval.

    An ``AdaptiveLogIntervalHook`` is registered unless the config's ``custom_hooks`` has one.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not any(isinstance(h, AdaptiveLogIntervalHook) for h in self.hooks):
            self.register_hook(AdaptiveLogIntervalHook())

    @classmethod
    def from_cfg(cls, cfg) -> 'MMKDRunner':
        """Build the runner from ``finalize_config(cfg)``."""
        from mmkd.apis.config import finalize_config

        return super().from_cfg(finalize_config(cfg))
