"""The parent of a benchmark: one worker process per variant, their steps interleaved, the summary.

Each variant runs in its own process (so peak memory and allocator are its own), and the processes take
their steps in turn, one at a time, rotating who goes first, so a busy machine slows all of them alike.
"""

import os
import os.path as osp
import pickle
import platform
import subprocess
import sys
import tempfile
from typing import Dict, List, Sequence

from mmkd.apis.benchmark.steps import DESCRIPTIONS, VARIANTS, make_settings
from mmkd.apis.benchmark.worker import STEP, STOP, read_message, write_command
from mmkd.utils.allocator import allocator_env

# The acceptance thresholds of the HSSAKD measurement in docs/benchmarks.md; kept in the JSON's
# ``targets`` for the results recorded there, never printed.
THRESHOLDS = dict(overhead=1.05, speedup_vs_naive=1.3, memory_vs_naive=1.0)
WORKER_ENTRY = 'from mmkd.apis.benchmark.worker import main; main()'


class WorkerProcess:
    """One variant in its own process, stepping on request.

    Args:
        variant: one of :data:`~mmkd.apis.benchmark.steps.VARIANTS`.
        settings_path: the pickled settings of :func:`~mmkd.apis.benchmark.steps.make_settings`.
        threads: OpenMP / MKL threads of the process; None keeps the default.
        log_dir: where the worker's stderr goes (``<variant>.log``).
        allocator: ``'jemalloc'`` or ``'system'``, the malloc the process starts on.
    """

    def __init__(self, variant: str, settings_path: str, threads, log_dir: str, allocator: str):
        env = allocator_env(dict(os.environ, PYTHONUNBUFFERED='1'), allocator)
        package_root = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
        env['PYTHONPATH'] = os.pathsep.join(p for p in (package_root, env.get('PYTHONPATH')) if p)
        if threads:
            env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        self.variant = variant
        self.log_path = osp.join(log_dir, f'{variant}.log')
        self.log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(
            [sys.executable, '-c', WORKER_ENTRY, variant, settings_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
        )

    def ask(self, command: str = '') -> dict:
        """Send ``command`` (none: just wait for the next message) and return the worker's answer."""
        try:
            if command:
                write_command(self.proc.stdin, command)
            message = read_message(self.proc.stdout)
            if message is not None:
                return message
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


def median(values: Sequence[float]) -> float:
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def paired_ratios(variants: Dict[str, dict]) -> Dict[str, float]:
    """``overhead_paired`` / ``speedup_vs_naive_paired``: medians of the per-round step-time ratios.

    The variants of one round ran back to back, so a machine that slows down or speeds up between
    rounds cancels out.
    """
    ratios = {}
    for name, (num, den) in dict(overhead=('mmkd', 'reference'), speedup_vs_naive=('naive', 'mmkd')).items():
        if num in variants and den in variants:
            ratios[f'{name}_paired'] = median(
                [a / b for a, b in zip(variants[num]['step_times_s'], variants[den]['step_times_s'])]
            )
    return ratios


def threshold_checks(ratios: Dict[str, float]) -> Dict[str, bool]:
    """The ``targets`` of the JSON: the paired ratios and the memory ratio against :data:`THRESHOLDS`
    (``None`` where a variant it needs did not run)."""

    def check(key, ok):
        return ok(ratios[key]) if key in ratios else None

    return dict(
        overhead_le_1_05=check('overhead_paired', lambda r: r <= THRESHOLDS['overhead']),
        speedup_vs_naive_ge_1_3=check('speedup_vs_naive_paired', lambda r: r >= THRESHOLDS['speedup_vs_naive']),
        memory_le_naive=check('memory_vs_naive', lambda r: r <= THRESHOLDS['memory_vs_naive']),
    )


def summarise(
    settings: dict,
    steps: Dict[str, List[dict]],
    finals: Dict[str, dict],
    iters: int,
    warmup: int,
    load_start: List[float],
) -> dict:
    """The result (what ``--json`` writes): the run's settings, per-variant timings and memory, ratios.

    Args:
        settings: the settings the workers were built from (make_settings).
        steps: per variant, the :func:`~mmkd.apis.benchmark.worker.step_message` of every timed step.
        finals: per variant, its :func:`~mmkd.apis.benchmark.worker.final_message`.
        iters: timed steps per variant.
        warmup: untimed steps before them.
        load_start: ``os.getloadavg()`` when the run started.
    """
    import mmengine
    import torch

    batch = settings['batch_size']
    result = dict(
        config=settings['config'],
        device=settings['device'],
        threads=settings['threads'] or torch.get_num_threads(),
        batch_size=batch,
        input_size=settings['input_size'],
        iters=iters,
        warmup=warmup,
        amp=settings['amp'],
        channels_last=settings['channels_last'],
        fast_teacher=settings['fast_teacher'],
        has_teacher=settings['has_teacher'],
        random_checkpoints=settings['random_checkpoints'],
        torch=torch.__version__,
        mmengine=mmengine.__version__,
        python=platform.python_version(),
        machine=platform.machine(),
        cpu_count=os.cpu_count(),
        load_average=dict(start=list(load_start), end=list(os.getloadavg())),
        variants={},
    )
    for variant, records in steps.items():
        times = [r['wall_s'] for r in records]
        median_s = median(times)
        final = finals[variant]
        result['variants'][variant] = dict(
            description=DESCRIPTIONS[variant],
            median_step_s=median_s,
            min_step_s=min(times),
            mean_step_s=sum(times) / len(times),
            step_times_s=times,
            cpu_time_per_step_s=median([r['cpu_s'] for r in records]),
            sys_time_per_step_s=median([r['sys_s'] for r in records]),
            page_faults_per_step=median([r['page_faults'] for r in records]),
            images_per_s=batch / median_s,
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
    result['targets'] = threshold_checks(ratios)
    return result


def format_report(result: dict) -> str:
    """The printed table of a :func:`summarise` result: one line per variant, then the ratios."""
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


def run_benchmark(
    config: str,
    variants: Sequence[str] = VARIANTS,
    iters: int = 5,
    warmup: int = 1,
    allocator: str = 'jemalloc',
    naive_allocator: str = 'system',
    **settings_options,
) -> dict:
    """Time the training step of ``config`` in every variant and summarise.

    Args:
        config: the config file.
        variants: which of :data:`~mmkd.apis.benchmark.steps.VARIANTS` to run.
        iters: timed steps per variant.
        warmup: untimed steps first.
        allocator: malloc of the ``mmkd`` and ``reference`` processes (``'jemalloc'`` or ``'system'``).
        naive_allocator: malloc of the ``naive`` process.
        **settings_options: the options of :func:`~mmkd.apis.benchmark.steps.make_settings` (batch size,
            device, threads, seed, amp, fast paths, ``cfg_options``).

    Returns:
        dict: the :func:`summarise` result.
    """
    load_start = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix='mmkd_bench_') as tmpdir:
        settings = make_settings(config, tmpdir, **settings_options)
        settings_path = osp.join(tmpdir, 'settings.pkl')
        with open(settings_path, 'wb') as f:
            pickle.dump(settings, f)
        workers = []
        try:
            for v in variants:
                malloc = naive_allocator if v == 'naive' else allocator
                workers.append(WorkerProcess(v, settings_path, settings['threads'], tmpdir, malloc))
            for w in workers:
                w.ask()  # wait until built
            steps = {w.variant: [] for w in workers}
            for i in range(warmup + iters):
                k = i % len(workers)  # rotate who goes first
                for w in workers[k:] + workers[:k]:
                    record = w.ask(STEP)
                    if i >= warmup:
                        steps[w.variant].append(record)
            finals = {w.variant: w.ask(STOP) for w in workers}
        finally:
            for w in workers:
                w.close()
    return summarise(settings, steps, finals, iters, warmup, load_start)
