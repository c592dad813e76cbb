from typing import Optional

from lightly.utils.scheduler import cosine_schedule
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmkd.registry import HOOKS


@HOOKS.register_module()
class MoCoMomentumHook(Hook):
    """Update a momentum (key) encoder after every training iteration.

    The momentum follows lightly's ``cosine_schedule`` from ``start_momentum`` at the first
    iteration to ``end_momentum`` at the last, and is applied through the model's
    ``momentum_update(m)`` (e.g. :class:`LightlyMoCo`, which calls lightly's ``update_momentum``).
    Under DDP the wrapped model is unwrapped; every process applies the same update to the same
    synchronised weights, so the key encoders stay identical.

    Args:
        end_momentum (float): momentum at the last iteration. Defaults to 1.0.
        start_momentum (float, optional): momentum at the first iteration. Defaults to the
            model's ``momentum``.
    """

    priority = 'NORMAL'

    def __init__(self, end_momentum: float = 1.0, start_momentum: Optional[float] = None):
        for name, value in (('end_momentum', end_momentum), ('start_momentum', start_momentum)):
            if value is not None and not 0 <= value <= 1:
                raise ValueError(f'MoCoMomentumHook: {name} must be in [0, 1], got {value}')
        self.end_momentum = end_momentum
        self.start_momentum = start_momentum

    @staticmethod
    def _model(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not callable(getattr(model, 'momentum_update', None)):
            raise TypeError(
                f'MoCoMomentumHook needs a model with momentum_update(m) (e.g. LightlyMoCo), got {type(model).__name__}'
            )
        return model

    def momentum_at(self, step: int, max_steps: int, start: float) -> float:
        """``start`` at step 0, ``end_momentum`` at step ``max_steps - 1`` (cosine in between)."""
        return cosine_schedule(step, max_steps, start, self.end_momentum)

    def before_train(self, runner) -> None:
        self._model(runner)  # fail before the first iteration, not after it

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        model = self._model(runner)
        start = self.start_momentum if self.start_momentum is not None else model.momentum
        m = self.momentum_at(runner.iter, runner.max_iters, start)
        model.momentum_update(m)
        runner.message_hub.update_scalar('train/momentum', m)
