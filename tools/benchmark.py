"""Benchmark one training step of any mmkd config against a bare PyTorch step and a naive step.

    python tools/benchmark.py CONFIG [--iters N] [--warmup W] [--batch-size B] [--device cpu|cuda]
                              [--threads T] [--json OUT] [--[no-]fast-teacher] [--[no-]channels-last]
                              [--allocator jemalloc|system] [--amp]

Three variants of the same step (``mmkd``: ``model.train_step``; ``reference``: the same math as a bare
PyTorch loop; ``naive``: the bare loop without the fast paths, on the system malloc) run on one generated
batch, each in its own process, taking their steps in turn. The report gives the median (and min) step
time after the warm-up steps, images/s, peak memory and the ratios; docs/benchmarks.md describes them.
The library behind it is ``mmkd/apis/benchmark/``.
"""

import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))  # run from a clean checkout too

from mmengine.config import DictAction  # noqa: E402

from mmkd.apis.benchmark import VARIANTS, format_report, run_benchmark  # noqa: E402

__all__ = ['parse_args', 'main']


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Time the training step of an mmkd config (see module docstring)')
    parser.add_argument('config', help='config file')
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
    args = parser.parse_args(argv)
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


def main(argv=None):
    args = parse_args(argv)
    result = run_benchmark(
        args.config,
        variants=args.variants,
        iters=args.iters,
        warmup=args.warmup,
        allocator=args.allocator,
        naive_allocator=args.naive_allocator,
        cfg_options=args.cfg_options,
        batch_size=args.batch_size,
        device=args.device,
        threads=args.threads,
        seed=args.seed,
        amp=args.amp,
        fast_teacher=args.fast_teacher,
        fast_teacher_compile=args.fast_teacher_compile,
        channels_last=args.channels_last,
    )
    print(format_report(result))
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'wrote {args.json}')
    return result


if __name__ == '__main__':
    main()
