"""Time one training step of an mmkd config against a bare PyTorch step and a naive step
(``tools/benchmark.py``).

* :mod:`.steps`: the three step variants (the model, the batch, one step);
* :mod:`.worker`: the process that runs one variant, and its pipe protocol with the parent;
* :mod:`.parent`: launches the workers, interleaves their steps, summarises the timings.
"""

from .parent import format_report, paired_ratios, run_benchmark, summarise
from .steps import DESCRIPTIONS, VARIANTS, build_step, make_settings

__all__ = [
    'VARIANTS',
    'DESCRIPTIONS',
    'make_settings',
    'build_step',
    'run_benchmark',
    'summarise',
    'paired_ratios',
    'format_report',
]
