"""Statistics over seeds: mean and spread of a metric, and the paired gain of a method over a reference.

Runs of two methods under the same seed share their data order and initialisation, so the difference of
their scores seed by seed (the paired gain) varies much less than either score. Its confidence interval
is Student's t interval of the mean difference with ``n - 1`` degrees of freedom; a gain is
"distinguishable from zero" when that interval excludes zero.
"""

import math
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Sequence

__all__ = ['SeedSummary', 'PairedGain', 'summarize', 'paired_gain', 'describe_gain']


@dataclass(frozen=True)
class SeedSummary:
    """``mean`` and sample standard deviation ``std`` (``n - 1`` in the denominator; None for one seed)."""

    n: int
    mean: float
    std: Optional[float]


@dataclass(frozen=True)
class PairedGain:
    """Mean of ``method - reference`` over the seeds both have, and its ``confidence`` interval.

    ``low`` / ``high`` are None with fewer than two common seeds.
    """

    n: int
    mean: float
    std: Optional[float]
    low: Optional[float]
    high: Optional[float]
    confidence: float
    seeds: tuple

    @property
    def distinguishable(self) -> bool:
        """The interval excludes zero."""
        return self.low is not None and (self.low > 0 or self.high < 0)


def summarize(values: Sequence[float]) -> SeedSummary:
    """Mean and sample standard deviation of one metric over seeds."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError('summarize: no values')
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return SeedSummary(n, mean, std)


def t_quantile(p: float, dof: int) -> float:
    """The ``p`` quantile of Student's t with ``dof`` degrees of freedom."""
    from scipy.stats import t

    return float(t.ppf(p, dof))


def paired_gain(method: Mapping[int, float], reference: Mapping[int, float], confidence: float = 0.95) -> PairedGain:
    """The gain of ``method`` over ``reference``, paired by seed (both map seed -> score).

    Args:
        method (Mapping[int, float]): the method's score per seed.
        reference (Mapping[int, float]): the reference's (e.g. the student alone) score per seed.
        confidence (float): of the two-sided interval. Defaults to 0.95.
    """
    if not 0 < confidence < 1:
        raise ValueError(f'paired_gain: confidence must be in (0, 1), got {confidence}')
    seeds = tuple(sorted(set(method) & set(reference)))
    if not seeds:
        raise ValueError(f'paired_gain: no seed in common (method {sorted(method)}, reference {sorted(reference)})')
    diffs = [float(method[s]) - float(reference[s]) for s in seeds]
    stats = summarize(diffs)
    if stats.n < 2:
        return PairedGain(stats.n, stats.mean, None, None, None, confidence, seeds)
    half = t_quantile(0.5 + confidence / 2, stats.n - 1) * stats.std / math.sqrt(stats.n)
    return PairedGain(stats.n, stats.mean, stats.std, stats.mean - half, stats.mean + half, confidence, seeds)


def describe_gain(name: str, gain: PairedGain, reference: str = 'the student alone', unit: str = 'points') -> str:
    """One sentence on ``gain``: its size, its interval, and whether it is distinguishable from zero."""
    size = f'{gain.mean:+.2f} {unit} over {reference}'
    if gain.low is None:
        return f'{name}: {size} on {gain.n} seed; one seed gives no interval, so nothing can be said about noise.'
    interval = f'{100 * gain.confidence:.0f} % CI {gain.low:+.2f} to {gain.high:+.2f}, {gain.n} seeds'
    if gain.distinguishable:
        verdict = 'a gain' if gain.mean > 0 else 'a loss'
        return f'{name}: {size} ({interval}): {verdict} distinguishable from zero.'
    return f'{name}: {size} ({interval}): not distinguishable from zero at this number of seeds.'


def by_seed(scores: Mapping[str, Mapping[int, float]], name: str) -> Dict[int, float]:
    """``scores[name]`` with the seeds as ints (summaries written as json have string keys)."""
    return {int(k): float(v) for k, v in scores[name].items() if v is not None}
