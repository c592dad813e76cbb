"""``reexec_on_jemalloc()``: the first thing a tool's ``__main__`` runs (see mmkd/utils/allocator.py).

The allocator module is loaded by path, because importing the ``mmkd`` package would import torch
(~4 s) only to throw it away at the re-exec.
"""

import importlib.util
import os.path as osp

ALLOCATOR = osp.join(osp.dirname(osp.dirname(osp.realpath(__file__))), 'mmkd', 'utils', 'allocator.py')


def reexec_on_jemalloc() -> str:
    spec = importlib.util.spec_from_file_location('_mmkd_allocator', ALLOCATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.use_jemalloc()
