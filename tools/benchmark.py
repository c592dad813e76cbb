"""Benchmark one training step of any mmkd config against a bare PyTorch step and a naive step.

    python tools/benchmark.py CONFIG [--iters N] [--warmup W] [--batch-size B] [--device cpu|cuda]
                              [--threads T] [--json OUT] [--[no-]fast-teacher] [--[no-]channels-last]
                              [--allocator jemalloc|system] [--amp]

Three variants of the same step run on the same generated batch (``input_size`` of the config,
random teacher / classifier checkpoints as in the config-tree test):

* ``mmkd``: what ``tools/train.py`` runs per iteration: ``model.train_step(data, optim_wrapper)``
  (data preprocessor, loss, ``parse_losses``, the config's ``OptimWrapper``), with the config's
  ``model.fast_teacher`` / ``model.channels_last`` (``--[no-]fast-teacher``,
  ``--[no-]channels-last`` force them), in a process on jemalloc as ``tools/train.py`` runs
  (``--allocator system`` to compare);
* ``reference``: the identical math in the same kind of process (same modules and options, same
  loss function, same torch optimizer) as a bare PyTorch loop: normalise -> ``model.loss`` -> sum
  -> ``backward`` -> ``optimizer.step`` -> ``zero_grad``; its ratio to ``mmkd`` is the framework
  overhead;
* ``naive``: the bare loop with the teacher eager, fp32, NCHW (no fast path, no AMP), on the
  system malloc as a plain script runs (``--naive-allocator``).

Each variant runs in its own process (so peak memory is its own: RSS on CPU,
``torch.cuda.max_memory_allocated`` on CUDA), and the processes take their steps in turn, one at a
time, so a busy machine slows all three alike. Step times are wall-clock; the report gives the
median (and min) after the warm-up steps and images/s = batch size / median step time (source
images, before any pretext stacking).
"""

import argparse
import json
import os
import os.path as osp
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))  # run from a clean checkout too

sys.path.insert(0, osp.dirname(osp.realpath(__file__)))
from jemalloc_launch import reexec_on_jemalloc  # noqa: E402

if __name__ == '__main__' and '--worker' in sys.argv:
    reexec_on_jemalloc()  # before torch is imported; the parent sets MMKD_ALLOCATOR=system for the naive worker

from mmengine.config import DictAction  # noqa: E402

from mmkd.utils.allocator import ENV_SWITCH, active_allocator  # noqa: E402

VARIANTS = ('mmkd', 'reference', 'naive')
DESCRIPTIONS = {
    'mmkd': 'model.train_step(data, OptimWrapper from cfg.optim_wrapper), fast teacher path',
    'reference': 'bare loop, same modules: normalise -> model.loss -> sum -> backward -> optimizer.step -> zero_grad',
    'naive': 'bare loop, teacher eager fp32 NCHW (no fast path, no AMP)',
}
DEFAULT_FAST_TEACHER = dict(fold_bn=True, channels_last=True, compile=False)
TARGETS = dict(overhead=1.05, speedup_vs_naive=1.3, memory_vs_naive=1.0)
PROTOCOL = '@@benchmark '


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Time the training step of an mmkd config (see module docstring)')
    parser.add_argument('config', nargs='?', help='config file')
    parser.add_argument('--iters', type=int, default=5, help='timed steps per variant (default 5)')
    parser.add_argument('--warmup', type=int, default=1, help='untimed steps first (default 1)')
    parser.add_argument(
        '--batch-size', type=int, help="source images per step (default: the config's train_dataloader.batch_size)"
    )
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--threads', type=int, help='torch / OpenMP threads per process (default: torch default)')
    parser.add_argument('--json', help='write the full result as JSON to this file')
    parser.add_argument(
        '--fast-teacher',
        action=argparse.BooleanOptionalAction,
        default=None,
        help='mmkd / reference: force the fast frozen teacher on (fold_bn + channels_last) or '
        'off (default: as the config sets model.fast_teacher)',
    )
    parser.add_argument(
        '--fast-teacher-compile', action='store_true', help='also torch.compile the teacher (fast_teacher.compile=True)'
    )
    parser.add_argument(
        '--channels-last',
        action=argparse.BooleanOptionalAction,
        default=None,
        help='mmkd / reference: force model.channels_last on or off (default: as the config sets it)',
    )
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision in mmkd (AmpOptimWrapper) and reference (autocast + GradScaler); CUDA only',
    )
    parser.add_argument(
        '--variants',
        default=','.join(VARIANTS),
        help=f'comma-separated subset of {",".join(VARIANTS)} (ratios need all three)',
    )
    parser.add_argument(
        '--allocator',
        choices=['jemalloc', 'system'],
        default='jemalloc',
        help='malloc of the mmkd and reference processes (default jemalloc, as tools/train.py '
        'uses when installed; see mmkd/utils/allocator.py)',
    )
    parser.add_argument(
        '--naive-allocator',
        choices=['jemalloc', 'system'],
        default='system',
        help='malloc of the naive process (default system: what a plain script gets)',
    )
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config keys (key=value)')
    parser.add_argument('--worker', choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument('--spec', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is None:
        if args.config is None:
            parser.error('CONFIG is required')
        if args.iters < 1 or args.warmup < 0:
            parser.error(f'--iters must be >= 1 and --warmup >= 0, got {args.iters} / {args.warmup}')
        if args.amp and args.device != 'cuda':
            parser.error('--amp is for --device cuda')
        variants = [v.strip() for v in args.variants.split(',') if v.strip()]
        unknown = sorted(set(variants) - set(VARIANTS))
        if unknown or not variants:
            parser.error(f'--variants: unknown {unknown}, choose from {list(VARIANTS)}')
        args.variants = [v for v in VARIANTS if v in variants]
    return args


# --------------------------------------------------------------------------------------------- parent
def make_spec(args, tmpdir: str) -> dict:
    """Everything a worker needs, resolved once: model config with random checkpoints, sizes, options."""
    import torch

    from mmkd.apis.runner import load_config, model_config
    from mmkd.models.distillers import BaseDistiller
    from mmkd.registry import MODELS
    from mmkd.testing import input_size_of, write_random_checkpoints
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    cfg = load_config(args.config, args.cfg_options)
    if cfg.get('optim_wrapper') is None:
        raise KeyError(f'config {args.config} has no optim_wrapper: the benchmark times a training step')
    batch_size = args.batch_size or cfg.get('train_dataloader', {}).get('batch_size')
    if not batch_size:
        raise KeyError(f'config {args.config} has no train_dataloader.batch_size; pass --batch-size')
    model_cfg = model_config(cfg)
    filled = write_random_checkpoints(model_cfg, tmpdir)
    model_cls = MODELS.get(model_cfg.get('type', 'ImageClassifier'))
    if model_cls is None:
        raise KeyError(f'model.type={model_cfg.get("type")!r} of {args.config} is not registered')
    distiller = isinstance(model_cls, type) and issubclass(model_cls, BaseDistiller)
    fast_teacher = None
    if distiller and model_cfg.get('teacher'):
        fast_teacher = model_cfg.get('fast_teacher') if args.fast_teacher is None else args.fast_teacher
        if fast_teacher or args.fast_teacher_compile:
            fast_teacher = dict(fast_teacher if isinstance(fast_teacher, dict) else DEFAULT_FAST_TEACHER)
            fast_teacher['compile'] = fast_teacher.get('compile', False) or args.fast_teacher_compile
    channels_last = distiller and bool(
        model_cfg.get('channels_last') if args.channels_last is None else args.channels_last
    )
    optim_cfg = cfg.optim_wrapper.to_dict() if hasattr(cfg.optim_wrapper, 'to_dict') else dict(cfg.optim_wrapper)
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('--device cuda but torch sees no CUDA device')
    return dict(
        config=args.config,
        model_cfg=model_cfg,
        optim_wrapper=optim_cfg,
        input_size=input_size_of(cfg),
        batch_size=int(batch_size),
        device=args.device,
        threads=args.threads,
        amp=args.amp,
        channels_last=channels_last,
        fast_teacher=fast_teacher,
        has_teacher=bool(model_cfg.get('teacher')),
        random_checkpoints=filled,
        seed=args.seed,
    )


class Worker:
    """One variant in its own process, stepping on request (a line on stdin -> a JSON line back)."""

    def __init__(self, variant: str, spec_path: str, threads, log_dir: str, allocator: str):
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        env[ENV_SWITCH] = allocator
        if allocator == 'system':  # a plain script: no preload inherited from this process
            env['LD_PRELOAD'] = ':'.join(p for p in env.get('LD_PRELOAD', '').split(':') if 'jemalloc' not in p)
        if threads:
            env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        self.variant = variant
        self.log_path = osp.join(log_dir, f'{variant}.log')
        self.log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(
            [sys.executable, osp.realpath(__file__), '--worker', variant, '--spec', spec_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
        )

    def ask(self, command: str) -> dict:
        try:
            if command:
                self.proc.stdin.write(command + '\n')
                self.proc.stdin.flush()
            for line in self.proc.stdout:
                if line.startswith(PROTOCOL):
                    return json.loads(line[len(PROTOCOL) :])
        except BrokenPipeError:  # the worker died before reading the command
            pass
        self.proc.wait()
        self.log.flush()
        with open(self.log_path) as f:
            tail = f.read()[-6000:]
        why = (
            ' (killed: out of memory? the variants run at the same time; try a smaller --batch-size or '
            'fewer --variants)'
            if self.proc.returncode in (-9, 137)
            else ''
        )
        raise RuntimeError(f'benchmark worker "{self.variant}" exited ({self.proc.returncode}){why}:\n{tail}')

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


def _median(values: List[float]) -> float:
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def paired_ratios(variants: Dict[str, dict]) -> Dict[str, float]:
    """``overhead_paired`` / ``speedup_vs_naive_paired``: medians of the per-round step-time ratios.

    The variants of one round ran back to back, so a machine that slows down or speeds up between
    rounds cancels out; these are what the targets are checked on.
    """
    ratios = {}
    for name, (num, den) in dict(overhead=('mmkd', 'reference'), speedup_vs_naive=('naive', 'mmkd')).items():
        if num in variants and den in variants:
            ratios[f'{name}_paired'] = _median(
                [a / b for a, b in zip(variants[num]['step_times_s'], variants[den]['step_times_s'])]
            )
    return ratios


def summarise(spec: dict, steps: Dict[str, List[dict]], finals: Dict[str, dict], args) -> dict:
    import mmengine
    import torch

    batch = spec['batch_size']
    result = dict(
        config=spec['config'],
        device=spec['device'],
        threads=spec['threads'] or torch.get_num_threads(),
        batch_size=batch,
        input_size=spec['input_size'],
        iters=args.iters,
        warmup=args.warmup,
        amp=spec['amp'],
        channels_last=spec['channels_last'],
        fast_teacher=spec['fast_teacher'],
        has_teacher=spec['has_teacher'],
        random_checkpoints=spec['random_checkpoints'],
        torch=torch.__version__,
        mmengine=mmengine.__version__,
        python=platform.python_version(),
        machine=platform.machine(),
        cpu_count=os.cpu_count(),
        load_average=dict(start=args._load_start, end=list(os.getloadavg())),
        variants={},
    )
    for variant, records in steps.items():
        times = [r['wall_s'] for r in records]
        median = _median(times)
        final = finals[variant]
        result['variants'][variant] = dict(
            description=DESCRIPTIONS[variant],
            median_step_s=median,
            min_step_s=min(times),
            mean_step_s=sum(times) / len(times),
            step_times_s=times,
            cpu_time_per_step_s=_median([r['cpu_s'] for r in records]),
            sys_time_per_step_s=_median([r['sys_s'] for r in records]),
            page_faults_per_step=_median([r['page_faults'] for r in records]),
            images_per_s=batch / median,
            peak_memory_mb=final['peak_memory_mb'],
            memory_kind=final['memory_kind'],
            memory_after_build_mb=final['memory_after_build_mb'],
            build_s=final['build_s'],
            losses=final['losses'],
            reference_preprocess=final.get('reference_preprocess'),
            allocator=final.get('allocator'),
        )
    v = result['variants']
    ratios = {}
    if 'mmkd' in v and 'reference' in v:
        ratios['overhead'] = v['mmkd']['median_step_s'] / v['reference']['median_step_s']
    if 'mmkd' in v and 'naive' in v:
        ratios['speedup_vs_naive'] = v['naive']['median_step_s'] / v['mmkd']['median_step_s']
        ratios['memory_vs_naive'] = v['mmkd']['peak_memory_mb'] / v['naive']['peak_memory_mb']
    if 'reference' in v and 'naive' in v:
        ratios['reference_speedup_vs_naive'] = v['naive']['median_step_s'] / v['reference']['median_step_s']
    ratios.update(paired_ratios(v))
    result['ratios'] = ratios
    result['targets'] = dict(
        overhead_le_1_05=ratios['overhead_paired'] <= TARGETS['overhead'] if 'overhead' in ratios else None,
        speedup_vs_naive_ge_1_3=(
            ratios['speedup_vs_naive_paired'] >= TARGETS['speedup_vs_naive'] if 'speedup_vs_naive' in ratios else None
        ),
        memory_le_naive=(
            ratios['memory_vs_naive'] <= TARGETS['memory_vs_naive'] if 'memory_vs_naive' in ratios else None
        ),
    )
    return result


def report(result: dict) -> str:
    lines = [
        f"{result['config']}  device={result['device']} threads={result['threads']} "
        f"batch={result['batch_size']} input={result['input_size']} fast_teacher={result['fast_teacher']} "
        f"channels_last={result['channels_last']} amp={result['amp']}",
        f"{'variant':<10} {'median s':>9} {'min s':>8} {'img/s':>8} {'peak MB':>9} {'faults/step':>12}  malloc",
    ]
    for name, v in result['variants'].items():
        lines.append(
            f"{name:<10} {v['median_step_s']:>9.3f} {v['min_step_s']:>8.3f} {v['images_per_s']:>8.2f} "
            f"{v['peak_memory_mb']:>9.0f} {v['page_faults_per_step']:>12.0f}  {v['allocator']}"
        )
    lines.append('ratios: ' + ', '.join(f'{k}={x:.3f}' for k, x in result['ratios'].items()))
    lines.append(f"load average start {result['load_average']['start']} end {result['load_average']['end']}")
    return '\n'.join(lines)


def run(args) -> dict:
    args._load_start = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix='mmkd_bench_') as tmpdir:
        spec = make_spec(args, tmpdir)
        spec_path = osp.join(tmpdir, 'spec.pkl')
        with open(spec_path, 'wb') as f:
            pickle.dump(spec, f)
        workers = [
            Worker(v, spec_path, args.threads, tmpdir, args.naive_allocator if v == 'naive' else args.allocator)
            for v in args.variants
        ]
        try:
            for w in workers:
                w.ask('')  # wait until built
            steps = {w.variant: [] for w in workers}
            for i in range(args.warmup + args.iters):
                k = i % len(workers)  # rotate who goes first
                for w in workers[k:] + workers[:k]:
                    record = w.ask('step')
                    if i >= args.warmup:
                        steps[w.variant].append(record)
            finals = {w.variant: w.ask('stop') for w in workers}
        finally:
            for w in workers:
                w.close()
    return summarise(spec, steps, finals, args)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)
    result = run(args)
    print(report(result))
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'wrote {args.json}')
    return result


# --------------------------------------------------------------------------------------------- worker
def _peak_memory_mb(device: str) -> float:
    import torch

    if device == 'cuda':
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _current_memory_mb(device: str) -> float:
    import torch

    if device == 'cuda':
        return torch.cuda.memory_allocated() / 2**20
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def _bare_normalise(model, data: dict, device):
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


def _sum_losses(losses: dict):
    import torch

    return sum(
        v.mean() if isinstance(v, torch.Tensor) else sum(x.mean() for x in v) for k, v in losses.items() if 'loss' in k
    )


def build_step(variant: str, spec: dict):
    """Build the model and return ``(step, info)``; ``step()`` runs one training step."""
    import torch
    from mmengine.optim import build_optim_wrapper

    from mmkd.registry import MODELS
    from mmkd.testing import fake_data

    device = torch.device(spec['device'])
    model_cfg = dict(spec['model_cfg'])
    if spec['fast_teacher'] is not None or 'fast_teacher' in model_cfg:
        model_cfg['fast_teacher'] = spec['fast_teacher'] if variant != 'naive' else None
    if spec['channels_last'] or 'channels_last' in model_cfg:
        model_cfg['channels_last'] = spec['channels_last'] and variant != 'naive'
    torch.manual_seed(spec['seed'])
    model = MODELS.build(model_cfg).to(device)
    model.train()
    optim_cfg = dict(spec['optim_wrapper'])
    amp = spec['amp'] and variant != 'naive'
    if variant == 'mmkd' and amp:
        optim_cfg.update(type='AmpOptimWrapper', loss_scale='dynamic')
    optim_wrapper = build_optim_wrapper(model, optim_cfg)
    data = fake_data(
        dict(data_preprocessor=model_cfg.get('data_preprocessor') or {}),
        model,
        spec['input_size'],
        spec['batch_size'],
        spec['seed'],
    )
    info = dict(reference_preprocess=None)

    if variant == 'mmkd':

        def step():
            return model.train_step(data, optim_wrapper)

        return step, info

    optimizer = optim_wrapper.optimizer  # the plain torch optimizer the config's constructor built
    scaler = torch.amp.GradScaler('cuda') if amp else None
    samples = data['data_samples']
    info['reference_preprocess'] = (
        'torch' if _bare_normalise(model, data, device) is not None else 'model.data_preprocessor'
    )

    def step():
        inputs = _bare_normalise(model, data, device)
        batch_samples = samples
        if inputs is None:
            batch = model.data_preprocessor(data, True)
            inputs, batch_samples = batch['inputs'], batch['data_samples']
        with torch.autocast('cuda', enabled=amp):
            losses = model.loss(inputs, batch_samples)
        loss = _sum_losses(losses)
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


def worker_main(args):
    protocol = os.fdopen(os.dup(1), 'w', buffering=1)
    os.dup2(2, 1)  # everything else printed goes to the worker log, not the protocol
    sys.stdout = sys.stderr

    def send(**kwargs):
        protocol.write(PROTOCOL + json.dumps(kwargs) + '\n')
        protocol.flush()

    with open(args.spec, 'rb') as f:
        spec = pickle.load(f)
    import torch

    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    if spec['threads']:
        torch.set_num_threads(spec['threads'])
    cuda = spec['device'] == 'cuda'
    start = time.perf_counter()
    step, info = build_step(args.worker, spec)
    build_s = time.perf_counter() - start
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    after_build = _current_memory_mb(spec['device'])
    send(ready=True)
    losses = {}
    for line in sys.stdin:
        command = line.strip()
        if command == 'step':
            if cuda:
                torch.cuda.synchronize()
            usage0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            out = step()
            if cuda:
                torch.cuda.synchronize()
            wall, usage = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
            losses = {
                k: float(v.mean() if isinstance(v, torch.Tensor) else sum(x.mean() for x in v))
                for k, v in out.items()
                if 'loss' in k
            }
            send(
                wall_s=wall,
                cpu_s=usage.ru_utime + usage.ru_stime - usage0.ru_utime - usage0.ru_stime,
                sys_s=usage.ru_stime - usage0.ru_stime,
                page_faults=usage.ru_minflt - usage0.ru_minflt,
            )
        elif command == 'stop':
            send(
                peak_memory_mb=_peak_memory_mb(spec['device']),
                allocator=active_allocator(),
                memory_kind='torch.cuda.max_memory_allocated' if cuda else 'peak RSS (ru_maxrss)',
                memory_after_build_mb=after_build,
                build_s=build_s,
                losses=losses,
                **info,
            )
            return
        else:
            raise ValueError(f'unknown command {command!r}')


if __name__ == '__main__':
    main()
