"""The logger interval adapts to small data sets, so that every epoch logs a few lines."""

from mmengine.hooks import Hook, LoggerHook

from mmkd.registry import HOOKS


@HOOKS.register_module()
class AdaptiveLogIntervalHook(Hook):
    """Lower ``LoggerHook.interval`` to ``max(1, iters_per_epoch // lines_per_epoch)`` when it is larger.

    The configured interval (``default_hooks.logger.interval``) is kept when an epoch is long enough.
    The chosen interval is logged once, before training.

    Args:
        lines_per_epoch (int): the fewest log lines an epoch should give. Defaults to 5.
    """

    priority = 'VERY_LOW'

    def __init__(self, lines_per_epoch: int = 5):
        if not isinstance(lines_per_epoch, int) or lines_per_epoch < 1:
            raise ValueError(f'lines_per_epoch must be a positive int, got {lines_per_epoch!r}')
        self.lines_per_epoch = lines_per_epoch

    def before_train(self, runner) -> None:
        loggers = [h for h in runner.hooks if isinstance(h, LoggerHook)]
        if not loggers:
            return
        iters = len(runner.train_dataloader)
        for hook in loggers:
            configured = hook.interval
            hook.interval = min(configured, max(1, iters // self.lines_per_epoch))
            runner.logger.info(
                f'logger interval {hook.interval} ({iters} iterations per epoch, configured {configured})'
            )
