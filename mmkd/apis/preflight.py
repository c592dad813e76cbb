"""A dry run of a training config: one training step and one validation step on two samples.

The run goes through the config's own runner, loops, hooks, data pipelines and evaluator, so a broken
pipeline or config fails in seconds with the error the full run would give after its first epoch. It writes
into a temporary work_dir that is removed afterwards and saves no checkpoint.
"""

import copy
import os
import shutil
import sys
import tempfile
import time
import uuid
from typing import Optional

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

__all__ = ['DRY_RUN_SAMPLES', 'build_runner', 'dry_run_config', 'dry_run']

DRY_RUN_SAMPLES = 2  # per process, for training and for validation


def build_runner(cfg: Config) -> Runner:
    """The runner ``tools/train.py`` uses: ``Runner.from_cfg``, or the config's ``runner_type``."""
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    from mmengine.registry import RUNNERS

    return RUNNERS.build(cfg)


def _one_batch(loader: dict) -> None:
    loader.update(batch_size=DRY_RUN_SAMPLES, num_workers=0, persistent_workers=False, num_batch_per_epoch=1)
    loader.pop('prefetch_factor', None)  # only valid with workers


def dry_run_config(cfg: Config, work_dir: str) -> Config:
    """A copy of ``cfg`` that trains one iteration on two samples, validates once on two samples, saves no
    checkpoint and writes only into ``work_dir``.

    Args:
        cfg (Config): a training config, as ``tools/train.py`` hands it to the runner.
        work_dir (str): the (temporary) work_dir of the dry run.
    """
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'dryrun-{uuid.uuid4().hex[:8]}'  # logger / message hub apart from the real run's
    if cfg.get('resume'):  # nothing to resume in the temporary work_dir; a given checkpoint still loads
        cfg.resume = False
    for split in ('train_dataloader', 'val_dataloader'):
        if cfg.get(split):
            _one_batch(cfg[split])
    # the schedule is left as it is (schedulers and hooks see the real run); _StageHook stops the loop
    # after the first step and its validation
    cfg.train_cfg.update(val_begin=1, val_interval=1)
    cfg.train_cfg.pop('dynamic_intervals', None)
    hooks = cfg.setdefault('default_hooks', {})
    hooks['checkpoint'] = None
    if hooks.get('logger') is not None:
        hooks['logger']['interval'] = 1
    return cfg


class _StageHook(Hook):
    """Records which stage of the dry run is running and what it produced."""

    priority = 'HIGHEST'

    def __init__(self):
        self.stage = 'starting training (before_train hooks)'
        self.losses = None
        self.metrics = None

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.stage = 'training step'

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses = {
            k: float(v.detach() if hasattr(v, 'detach') else v) for k, v in (outputs or {}).items() if 'loss' in k
        }
        self.stage = 'after the training step (after_train_iter / after_train_epoch hooks)'
        # both mmengine loops still validate after this step (val_interval=1); the loop then ends
        runner.train_loop.stop_training = True

    def before_val_epoch(self, runner):
        self.stage = 'validation step'

    def after_val_epoch(self, runner, metrics=None):
        self.metrics = dict(metrics or {})
        self.stage = 'after the validation step (after_val_epoch hooks)'

    def after_train(self, runner):
        self.stage = 'finishing training (after_train hooks)'


def _release_instances(name: str) -> None:
    """Drop the dry run's logger, message hub, visualizer and scope, closing its log file."""
    from mmengine import DefaultScope, MessageHub, MMLogger
    from mmengine.visualization import Visualizer

    logger = MMLogger._instance_dict.pop(name, None)
    if logger is not None:
        for handler in list(logger.handlers):
            handler.close()
            logger.removeHandler(handler)
    MessageHub._instance_dict.pop(name, None)
    DefaultScope._instance_dict.pop(name, None)

    def subclasses(cls):
        yield cls
        for sub in cls.__subclasses__():
            yield from subclasses(sub)

    for cls in subclasses(Visualizer):
        cls._instance_dict.pop(name, None)


def _format(values: Optional[dict]) -> str:
    return ', '.join(f'{k}={v:.4g}' if isinstance(v, float) else f'{k}={v}' for k, v in values.items())


def dry_run(cfg: Config, log=print) -> dict:
    """Run :func:`dry_run_config` of ``cfg``; on an error, name the stage on stderr and re-raise it unchanged.

    Args:
        cfg (Config): a training config, as ``tools/train.py`` hands it to the runner.
        log (callable): where the one-line result goes.

    Returns:
        dict: ``losses`` of the training step and ``metrics`` of the validation step (None without one).
    """
    work_dir = tempfile.mkdtemp(prefix='mmkd-dry-run-')
    dry_cfg = dry_run_config(cfg, work_dir)
    validates = bool(
        dry_cfg.get('val_cfg') is not None and dry_cfg.get('val_dataloader') and dry_cfg.get('val_evaluator')
    )
    stage = _StageHook()
    stage.stage = 'building the runner (model, hooks, optimizer settings)'
    runner = None
    start = time.time()
    try:
        runner = build_runner(dry_cfg)
        runner.register_hook(stage)
        seed_args = dict(seed=runner.seed, diff_rank_seed=runner._randomness_cfg.get('diff_rank_seed', False))
        stage.stage = 'building the training data (dataset, pipeline, sampler)'
        runner._train_dataloader = runner.build_dataloader(runner._train_dataloader, **seed_args)
        if validates:
            stage.stage = 'building the validation data (dataset, pipeline, sampler)'
            runner._val_dataloader = runner.build_dataloader(runner._val_dataloader, **seed_args)
        stage.stage = 'setting up training (loops, optimizer, schedulers, weights)'
        runner.train()
        if stage.losses is None:
            raise RuntimeError(f'dry run: the training loop ran no step (train_cfg={dict(dry_cfg.train_cfg)})')
        if validates and stage.metrics is None:
            raise RuntimeError(
                'dry run: validation is configured but the training loop ran no validation '
                f'after its first iteration (train_cfg={dict(dry_cfg.train_cfg)})'
            )
    except Exception:
        print(f'dry run: {stage.stage} failed', file=sys.stderr, flush=True)
        raise
    finally:
        if runner is not None:
            _release_instances(runner.experiment_name)
        shutil.rmtree(work_dir, ignore_errors=True)
    n = DRY_RUN_SAMPLES * int(os.environ.get('WORLD_SIZE', 1))
    val = f'validation step: {_format(stage.metrics)}' if validates else 'no validation configured'
    log(f'dry run passed in {time.time() - start:.1f} s on {n} samples: training step: {_format(stage.losses)}; {val}')
    return dict(losses=stage.losses, metrics=stage.metrics)
