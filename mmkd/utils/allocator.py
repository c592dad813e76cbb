"""Run a tool's process on jemalloc instead of glibc malloc.

Why: a CPU training step frees and re-allocates its activations (~3 GB a step for HSSAKD
resnet32x4 -> resnet8x4 at batch 64); glibc hands large blocks back to the kernel on ``free`` and
page-faults them in again on the next step (~0.9 M faults, ~20 % of the step's CPU time).
jemalloc with decay off keeps freed pages and reuses them by size class: no faults after the
first step, and a lower peak RSS than glibc's (docs/benchmarks.md has the measurements).
glibc's own knobs (``MALLOC_MMAP_THRESHOLD_``) stop the faults too but fragment the heap to
+25 % peak RSS.

A preload must be in place before the process starts, so :func:`use_jemalloc` re-executes the
tool with ``LD_PRELOAD`` set; ``MMKD_ALLOCATOR=system`` opts out.
"""

import glob
import os
import sys
from typing import Optional

ENV_SWITCH = 'MMKD_ALLOCATOR'  # 'jemalloc' (default) or 'system'
ENV_PATH = 'MMKD_JEMALLOC'  # explicit path to libjemalloc.so.2
# Decay off: freed pages stay with the process for the next step; no background thread to join at fork.
JEMALLOC_CONF = 'background_thread:false,dirty_decay_ms:-1,muzzy_decay_ms:-1'
LIBRARY = 'libjemalloc.so.2'


def jemalloc_candidates() -> list:
    """Where :func:`find_jemalloc` looks, in order."""
    paths = [os.environ[ENV_PATH]] if os.environ.get(ENV_PATH) else []
    paths.append(os.path.join(sys.prefix, 'lib', 'mmkd', LIBRARY))  # tools/install.sh puts it here
    for libdir in ('/usr/lib/*-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'):
        paths.extend(sorted(glob.glob(os.path.join(libdir, LIBRARY))))
    return paths


def find_jemalloc() -> Optional[str]:
    """Path of a jemalloc shared library, or None."""
    return next((p for p in jemalloc_candidates() if os.path.isfile(p)), None)


def active_allocator() -> str:
    """``'jemalloc'`` when this process runs on jemalloc, else ``'system'``."""
    try:
        with open('/proc/self/maps') as maps:
            return 'jemalloc' if 'libjemalloc' in maps.read() else 'system'
    except OSError:
        return 'system'


def jemalloc_env(env: dict, library: str) -> dict:
    """``env`` with ``library`` preloaded and mmkd's jemalloc options (a user's ``MALLOC_CONF`` wins)."""
    env = dict(env)
    preload = env.get('LD_PRELOAD', '')
    if library not in preload.split(':'):
        env['LD_PRELOAD'] = ':'.join(p for p in (library, preload) if p)
    env.setdefault('MALLOC_CONF', JEMALLOC_CONF)
    return env


def use_jemalloc() -> str:
    """Re-execute this process on jemalloc unless it already runs on it, ``MMKD_ALLOCATOR=system``
    is set, no jemalloc is installed or this is not Linux. Call it first thing in a tool's
    ``__main__``, before threads or files are opened.

    Returns:
        str: the allocator the process runs on (when it returns at all).
    """
    if os.environ.get(ENV_SWITCH, 'jemalloc') == 'system' or not sys.platform.startswith('linux'):
        return active_allocator()
    if active_allocator() == 'jemalloc':
        return 'jemalloc'
    library = find_jemalloc()
    if library is None or os.environ.get('_MMKD_JEMALLOC_REEXEC'):  # not installed, or the preload failed
        return 'system'
    env = jemalloc_env(os.environ, library)
    env['_MMKD_JEMALLOC_REEXEC'] = '1'  # never loop
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, sys.orig_argv, env)


def allocator_env(env: dict, allocator: str) -> dict:
    """``env`` for a child process that is to start on ``allocator``, with no re-exec of its own.

    Args:
        env: the environment to start from.
        allocator: ``'jemalloc'`` (preloaded when installed, on Linux) or ``'system'`` (every jemalloc
            preload removed, as a plain script gets).

    Returns:
        dict: the new environment (``env`` is not changed).
    """
    if allocator not in ('jemalloc', 'system'):
        raise ValueError(f"allocator must be 'jemalloc' or 'system', got {allocator!r}")
    env = dict(env)
    env[ENV_SWITCH] = allocator
    if allocator == 'system':
        env['LD_PRELOAD'] = ':'.join(p for p in env.get('LD_PRELOAD', '').split(':') if 'jemalloc' not in p)
        return env
    library = find_jemalloc() if sys.platform.startswith('linux') else None
    return jemalloc_env(env, library) if library else env
