"""The three variants of one training step: the model, the batch and the step each of them runs.

* ``mmkd``: what ``tools/train.py`` runs per iteration, ``model.train_step(data, optim_wrapper)`` (data
  preprocessor, loss, ``parse_losses``, the config's ``OptimWrapper``), with the config's fast paths;
* ``reference``: the identical math as a bare PyTorch loop (same modules and options, same loss, the same
  torch optimizer): normalise -> ``model.loss`` -> sum -> ``backward`` -> ``optimizer.step`` -> ``zero_grad``;
* ``naive``: the bare loop with the teacher eager, fp32, NCHW (no fast path, no AMP).
"""

from typing import Callable, Optional, Tuple

VARIANTS = ('mmkd', 'reference', 'naive')
DESCRIPTIONS = {
    'mmkd': 'model.train_step(data, OptimWrapper from cfg.optim_wrapper), fast teacher path',
    'reference': 'bare loop, same modules: normalise -> model.loss -> sum -> backward -> optimizer.step -> zero_grad',
    'naive': 'bare loop, teacher eager fp32 NCHW (no fast path, no AMP)',
}
DEFAULT_FAST_TEACHER = dict(fold_bn=True, channels_last=True, compile=False)


def make_settings(
    config: str,
    work_dir: str,
    cfg_options: Optional[dict] = None,
    batch_size: Optional[int] = None,
    device: str = 'cpu',
    threads: Optional[int] = None,
    seed: int = 0,
    amp: bool = False,
    fast_teacher: Optional[bool] = None,
    fast_teacher_compile: bool = False,
    channels_last: Optional[bool] = None,
) -> dict:
    """Everything a worker needs to build its step, resolved once in the parent.

    Args:
        config: the config file.
        work_dir: where the random teacher / classifier checkpoints are written.
        cfg_options: overrides of config keys.
        batch_size: source images per step; None takes ``train_dataloader.batch_size``.
        device: ``'cpu'`` or ``'cuda'``.
        threads: torch threads per worker; None keeps torch's default.
        seed: seed of the model and the generated batch.
        amp: mixed precision in ``mmkd`` and ``reference`` (CUDA only).
        fast_teacher: force the fast frozen teacher on or off; None follows ``model.fast_teacher``.
        fast_teacher_compile: also ``torch.compile`` the teacher.
        channels_last: force ``model.channels_last``; None follows the config.

    Returns:
        dict: the picklable settings (model config, optimizer wrapper config, sizes, options).
    """
    import torch

    from mmkd.apis.runner import load_config, model_config
    from mmkd.models.distillers import BaseClassifierModel
    from mmkd.registry import MODELS
    from mmkd.testing import input_size_of, write_random_checkpoints
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    cfg = load_config(config, cfg_options)
    if cfg.get('optim_wrapper') is None:
        raise KeyError(f'config {config} has no optim_wrapper: the benchmark times a training step')
    batch_size = batch_size or cfg.get('train_dataloader', {}).get('batch_size')
    if not batch_size:
        raise KeyError(f'config {config} has no train_dataloader.batch_size; pass --batch-size')
    model_cfg = model_config(cfg)
    filled = write_random_checkpoints(model_cfg, work_dir)
    model_cls = MODELS.get(model_cfg.get('type', 'ImageClassifier'))
    if model_cls is None:
        raise KeyError(f'model.type={model_cfg.get("type")!r} of {config} is not registered')
    distiller = isinstance(model_cls, type) and issubclass(model_cls, BaseClassifierModel)
    teacher_fast = None
    if distiller and model_cfg.get('teacher'):
        teacher_fast = model_cfg.get('fast_teacher') if fast_teacher is None else fast_teacher
        if teacher_fast or fast_teacher_compile:
            teacher_fast = dict(teacher_fast if isinstance(teacher_fast, dict) else DEFAULT_FAST_TEACHER)
            teacher_fast['compile'] = teacher_fast.get('compile', False) or fast_teacher_compile
    model_channels_last = distiller and bool(model_cfg.get('channels_last') if channels_last is None else channels_last)
    optim_cfg = cfg.optim_wrapper.to_dict() if hasattr(cfg.optim_wrapper, 'to_dict') else dict(cfg.optim_wrapper)
    if device == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('--device cuda but torch sees no CUDA device')
    return dict(
        config=config,
        model_cfg=model_cfg,
        optim_wrapper=optim_cfg,
        input_size=input_size_of(cfg),
        batch_size=int(batch_size),
        device=device,
        threads=threads,
        amp=amp,
        channels_last=model_channels_last,
        fast_teacher=teacher_fast,
        has_teacher=bool(model_cfg.get('teacher')),
        random_checkpoints=filled,
        seed=seed,
    )


def bare_normalise(model, data: dict, device):
    """What ``ClsDataPreprocessor`` computes for this batch, in plain torch; ``None`` where the
    model's preprocessor does more (batch augments, padding, other types)."""
    import torch
    from mmpretrain.models.utils import ClsDataPreprocessor

    pre = model.data_preprocessor
    if (
        type(pre) is not ClsDataPreprocessor
        or pre.batch_augments is not None
        or pre.pad_size_divisor != 1
        or not all(isinstance(x, torch.Tensor) for x in data['inputs'])
    ):
        return None
    x = torch.stack(data['inputs']).to(device)
    if pre.to_rgb and x.size(1) == 3:
        x = x.flip(1)
    x = x.float()
    if pre._enable_normalize:
        x = (x - pre.mean) / pre.std
    return x


def _loss_mean(value):
    """A loss term's mean; some models return a list of per-exit tensors."""
    import torch

    return value.mean() if isinstance(value, torch.Tensor) else sum(x.mean() for x in value)


def sum_losses(losses: dict):
    """The total loss the bare loop backpropagates: the sum of the ``loss*`` terms."""
    return sum(_loss_mean(v) for k, v in losses.items() if 'loss' in k)


def loss_values(losses: dict) -> dict:
    """The ``loss*`` terms of a step's output as floats."""
    return {k: float(_loss_mean(v)) for k, v in losses.items() if 'loss' in k}


def build_step(variant: str, settings: dict) -> Tuple[Callable[[], dict], dict]:
    """Build the model, its optimizer and the batch of one variant.

    Args:
        variant: one of :data:`VARIANTS`.
        settings: the output of :func:`make_settings`.

    Returns:
        tuple: ``(step, info)``; ``step()`` runs one training step and returns its losses, ``info``
        says how the reference normalises (``reference_preprocess``).
    """
    import torch
    from mmengine.optim import build_optim_wrapper

    from mmkd.registry import MODELS
    from mmkd.testing import fake_data

    device = torch.device(settings['device'])
    model_cfg = dict(settings['model_cfg'])
    if settings['fast_teacher'] is not None or 'fast_teacher' in model_cfg:
        model_cfg['fast_teacher'] = settings['fast_teacher'] if variant != 'naive' else None
    if settings['channels_last'] or 'channels_last' in model_cfg:
        model_cfg['channels_last'] = settings['channels_last'] and variant != 'naive'
    torch.manual_seed(settings['seed'])
    model = MODELS.build(model_cfg).to(device)
    model.train()
    optim_cfg = dict(settings['optim_wrapper'])
    amp = settings['amp'] and variant != 'naive'
    if variant == 'mmkd' and amp:
        optim_cfg.update(type='AmpOptimWrapper', loss_scale='dynamic')
    optim_wrapper = build_optim_wrapper(model, optim_cfg)
    data = fake_data(
        dict(data_preprocessor=model_cfg.get('data_preprocessor') or {}),
        model,
        settings['input_size'],
        settings['batch_size'],
        settings['seed'],
    )
    info = dict(reference_preprocess=None)

    if variant == 'mmkd':

        def step():
            return model.train_step(data, optim_wrapper)

        return step, info

    optimizer = optim_wrapper.optimizer  # the plain torch optimizer the config's constructor built
    scaler = torch.amp.GradScaler('cuda') if amp else None
    samples = data['data_samples']
    in_torch = bare_normalise(model, data, device) is not None
    info['reference_preprocess'] = 'torch' if in_torch else 'model.data_preprocessor'

    def step():
        inputs = bare_normalise(model, data, device)
        batch_samples = samples
        if inputs is None:
            batch = model.data_preprocessor(data, True)
            inputs, batch_samples = batch['inputs'], batch['data_samples']
        with torch.autocast('cuda', enabled=amp):
            losses = model.loss(inputs, batch_samples)
        loss = sum_losses(losses)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        optimizer.zero_grad()
        return losses

    return step, info
