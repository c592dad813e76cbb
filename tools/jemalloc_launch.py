"""``reexec_on_jemalloc()``: the first thing a tool's ``__main__`` runs (see mmkd/utils/allocator.py).

The allocator module is loaded by path, because importing the ``mmkd`` package would import torch
(~4 s) only to throw it away at the re-exec.
"""

import importlib.util
import os.path as osp


def allocator_path() -> str:
    """mmkd/utils/allocator.py of the checkout this tool is in, else of the installed mmkd (a wheel's
    tools are copies under mmkd/.mim/tools); found without importing mmkd."""
    beside = osp.join(osp.dirname(osp.dirname(osp.realpath(__file__))), 'mmkd', 'utils', 'allocator.py')
    if osp.isfile(beside):
        return beside
    spec = importlib.util.find_spec('mmkd')
    if spec is None or spec.origin is None:
        raise ImportError(f'mmkd is neither beside {osp.realpath(__file__)} nor installed')
    return osp.join(osp.dirname(spec.origin), 'utils', 'allocator.py')


ALLOCATOR = allocator_path()


def reexec_on_jemalloc() -> str:
    spec = importlib.util.spec_from_file_location('_mmkd_allocator', ALLOCATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.use_jemalloc()
