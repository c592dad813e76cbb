"""The process that runs one step variant, and the pipe protocol between it and the parent.

The parent writes one command a line on the worker's stdin; the worker answers each with one message,
a line ``@@benchmark {json}`` on its stdout (anything else the libraries print goes to its log):

1. at start, once the model is built: ``{"ready": true}`` (:func:`ready_message`);
2. ``step``: one timed training step, :func:`step_message` (wall, CPU and system time, page faults);
3. ``stop``: :func:`final_message` (peak memory, allocator, build time, the last step's losses); the
   worker then exits.

Run as ``python -c 'from mmkd.apis.benchmark.worker import main; main()' VARIANT SPEC_PICKLE``; the
parent starts it on the allocator it is to measure (``mmkd.utils.allocator.allocator_env``).
"""

import json
import os
import pickle
import resource
import sys
import time
from typing import Callable, Optional, TextIO

PREFIX = '@@benchmark '
STEP = 'step'
STOP = 'stop'


# ------------------------------------------------------------------------------------------ protocol
def write_command(stream: TextIO, command: str):
    """Parent -> worker: one command line (:data:`STEP` or :data:`STOP`)."""
    stream.write(command + '\n')
    stream.flush()


def write_message(stream: TextIO, message: dict):
    """Worker -> parent: one protocol line."""
    stream.write(PREFIX + json.dumps(message) + '\n')
    stream.flush()


def read_message(stream: TextIO) -> Optional[dict]:
    """The next protocol message on ``stream``, skipping other lines; ``None`` at end of file."""
    for line in stream:
        if line.startswith(PREFIX):
            return json.loads(line[len(PREFIX) :])
    return None


def ready_message() -> dict:
    """Sent once the variant is built."""
    return dict(ready=True)


def step_message(wall_s: float, before: resource.struct_rusage, after: resource.struct_rusage) -> dict:
    """One step's record: wall time and this process's resource usage over it.

    Args:
        wall_s: wall-clock seconds of the step.
        before: ``getrusage(RUSAGE_SELF)`` before the step.
        after: the same after it.
    """
    return dict(
        wall_s=wall_s,
        cpu_s=after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
        sys_s=after.ru_stime - before.ru_stime,
        page_faults=after.ru_minflt - before.ru_minflt,
    )


def final_message(device: str, build_s: float, memory_after_build_mb: float, losses: dict, **info) -> dict:
    """The answer to :data:`STOP`.

    Args:
        device: ``'cpu'`` or ``'cuda'``: which peak memory is read.
        build_s: seconds to build the model, optimizer and batch.
        memory_after_build_mb: memory in use once built.
        losses: the last step's ``loss*`` terms as floats.
        **info: what :func:`~mmkd.apis.benchmark.steps.build_step` reported.
    """
    from mmkd.utils.allocator import active_allocator

    return dict(
        peak_memory_mb=peak_memory_mb(device),
        allocator=active_allocator(),
        memory_kind='torch.cuda.max_memory_allocated' if device == 'cuda' else 'peak RSS (ru_maxrss)',
        memory_after_build_mb=memory_after_build_mb,
        build_s=build_s,
        losses=losses,
        **info,
    )


# ------------------------------------------------------------------------------------------- memory
def peak_memory_mb(device: str) -> float:
    """Peak memory of this process: ``max_memory_allocated`` on CUDA, peak RSS on CPU."""
    if device == 'cuda':
        import torch

        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_memory_mb(device: str) -> float:
    """Memory in use now: ``memory_allocated`` on CUDA, RSS on CPU."""
    if device == 'cuda':
        import torch

        return torch.cuda.memory_allocated() / 2**20
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


# --------------------------------------------------------------------------------------------- loop
def serve(
    step: Callable[[], dict],
    commands: TextIO,
    replies: TextIO,
    device: str = 'cpu',
    build_s: float = 0.0,
    memory_after_build_mb: float = 0.0,
    info: Optional[dict] = None,
):
    """Answer the parent's commands until :data:`STOP`.

    Args:
        step: runs one training step and returns its losses.
        commands: the parent's command lines (stdin).
        replies: where the messages go (the original stdout).
        device: ``'cpu'`` or ``'cuda'`` (CUDA steps are synchronised around the timing).
        build_s: build time, reported at stop.
        memory_after_build_mb: memory once built, reported at stop.
        info: extra fields for the final message.
    """
    from mmkd.apis.benchmark.steps import loss_values

    cuda = device == 'cuda'
    if cuda:
        import torch
    write_message(replies, ready_message())
    losses = {}
    for line in commands:
        command = line.strip()
        if command == STEP:
            if cuda:
                torch.cuda.synchronize()
            before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            out = step()
            if cuda:
                torch.cuda.synchronize()
            wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
            losses = loss_values(out)
            write_message(replies, step_message(wall, before, after))
        elif command == STOP:
            write_message(replies, final_message(device, build_s, memory_after_build_mb, losses, **(info or {})))
            return
        else:
            raise ValueError(f'unknown command {command!r}')


def main(argv=None):
    """Worker entry point: ``VARIANT SPEC_PICKLE`` on the command line, commands on stdin."""
    variant, settings_path = sys.argv[1:] if argv is None else argv
    replies = os.fdopen(os.dup(1), 'w', buffering=1)
    os.dup2(2, 1)  # everything else printed goes to the worker log, not the protocol
    sys.stdout = sys.stderr
    with open(settings_path, 'rb') as f:
        settings = pickle.load(f)
    import torch

    from mmkd.apis.benchmark.steps import build_step
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    if settings['threads']:
        torch.set_num_threads(settings['threads'])
    start = time.perf_counter()
    step, info = build_step(variant, settings)
    build_s = time.perf_counter() - start
    if settings['device'] == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    serve(step, sys.stdin, replies, settings['device'], build_s, current_memory_mb(settings['device']), info)
