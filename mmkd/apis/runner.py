"""Config handling shared by the tools (train, test, benchmark, feature extraction)."""

import os.path as osp
from typing import Optional

from mmengine.config import Config

from .config import finalize_config


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Load ``path`` and merge ``cfg_options``, naming the file when it is missing or broken (and its new
    name when it is a renamed config, :mod:`mmkd.utils.config_names`)."""
    if not osp.isfile(path):
        from mmkd.utils.config_names import missing_config_error

        raise missing_config_error(path)
    try:
        cfg = Config.fromfile(path)
    except Exception as e:
        raise RuntimeError(f'failed to parse config {path}: {e}') from e
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg = finalize_config(cfg, cfg_options)  # derived values follow the facts (mmkd/apis/config.py)
    check_config(cfg, cfg_options)
    if cfg.get('student_checkpoint') is not None or cfg.get('student_width') is not None:
        from mmkd.transfer.widths import apply_student_widths  # transfer configs only: imports mmdet / mmseg

        apply_student_widths(cfg)
    return cfg


def check_config(cfg: Config, cfg_options: Optional[dict] = None) -> None:
    """Start-up checks: no unknown top-level key, image-folder splits with the same classes."""
    from mmkd.datasets.checks import check_class_folders
    from mmkd.utils.config_check import check_top_level_keys

    check_top_level_keys(cfg, cfg_options)
    check_class_folders(cfg)


def model_config(cfg: Config) -> dict:
    """``cfg.model`` as a plain dict, with the config's top-level ``data_preprocessor`` as default."""

    def plain(value):
        return value.to_dict() if hasattr(value, 'to_dict') else dict(value)

    model_cfg = plain(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', plain(cfg.data_preprocessor))
    return model_cfg


def _work_dir(cfg: Config, args) -> str:
    if getattr(args, 'work_dir', None):
        return args.work_dir
    if cfg.get('work_dir'):
        return cfg.work_dir
    return osp.join('./work_dirs', osp.splitext(osp.basename(cfg.filename))[0])


def _cpu_backend(cfg: Config) -> None:
    """Let distributed runs work on CPU-only machines (gloo, DDP without device ids).

    mmengine's pytorch launcher calls ``torch.cuda.set_device`` before initialising the process
    group, and wraps the model with ``device_ids=[local_rank]``; neither works without a GPU, so
    we initialise the gloo group ourselves (mmengine then skips its own init) and build DDP with
    ``device_ids=None``.
    """
    import torch
    import torch.distributed as dist

    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if cfg.launcher == 'pytorch' and not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def close_process_group() -> None:
    """Leave the distributed group together: every rank waits for the others, then the group is destroyed.

    A gloo rank that exits with its group still alive can abort in its communication thread's
    destructor ("terminate called without an active exception") while the other rank is still
    saving, which the launcher reports as a failed run.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def prepare_train_cfg(cfg: Config, args) -> Config:
    """Apply the command-line switches of tools/train.py to ``cfg``."""
    cfg.launcher = args.launcher
    _cpu_backend(cfg)
    cfg.work_dir = _work_dir(cfg, args)
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper, got {wrapper!r}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(f'--resume checkpoint {args.resume} does not exist')
        cfg.resume, cfg.load_from = True, args.resume
    if cfg.get('resume') and not cfg.get('load_from'):  # mmengine auto-resumes from work_dir/last_checkpoint
        from mmkd.utils.checkpoint import check_last_checkpoint

        check_last_checkpoint(cfg.work_dir)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', {})['enable'] = True
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(split)
        if not loader:
            continue
        if args.no_pin_memory:
            loader['pin_memory'] = False
        if args.no_persistent_workers:
            loader['persistent_workers'] = False
    return cfg


def prepare_test_cfg(cfg: Config, args) -> Config:
    """Apply the command-line switches of tools/test.py to ``cfg``."""
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} does not exist')
    cfg.launcher = args.launcher
    _cpu_backend(cfg)
    cfg.work_dir = _work_dir(cfg, args)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    return cfg
