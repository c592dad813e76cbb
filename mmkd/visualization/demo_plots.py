"""Plots of the main job's report (tools/demo.py)."""

from typing import Dict, Mapping, Sequence

from mmkd.apis.seed_stats import paired_gain, summarize


def plot_seed_scores(
    scores: Mapping[str, Mapping[int, float]], reference: str, out: str, apart: Sequence[str] = ()
) -> None:
    """Test top-1 per method over seeds, and each method's paired gain over ``reference``.

    Left: every seed's score as a dot, the mean with a bar of one standard deviation. Right: the mean
    paired gain (same seed) with its 95 % confidence interval and the zero line. Dot-and-interval plots,
    not bars, so an axis that starts near the values does not exaggerate the differences.

    Args:
        scores (Mapping[str, Mapping[int, float]]): method label -> {seed: test top-1}.
        reference (str): the label the gains are taken against (the student alone).
        out (str): the PNG to write.
        apart (Sequence[str]): labels drawn in grey and left out of the gains (the teacher, a method
            trained without labels).
    """
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names = list(scores)
    gains: Dict[str, object] = {
        n: paired_gain(scores[n], scores[reference])
        for n in names
        if reference in scores and n != reference and n not in apart
    }
    fig, axes = plt.subplots(1, 2 if gains else 1, figsize=(12 if gains else 7, 4.2), squeeze=False)
    ax = axes[0][0]
    for i, name in enumerate(names):
        values = list(scores[name].values())
        color = '#888888' if name in apart else '#3b75af'
        ax.plot([i] * len(values), values, 'o', color=color, alpha=0.45, markersize=5)
        stats = summarize(values)
        ax.errorbar(i, stats.mean, yerr=stats.std or 0, fmt='D', color=color, capsize=6, markersize=7)
        ax.annotate(f'{stats.mean:.2f}', (i, stats.mean), textcoords='offset points', xytext=(10, -3), fontsize=8)
    n_seeds = max(len(v) for v in scores.values())
    ax.set_xticks(range(len(names)), names, rotation=15)
    ax.set_ylabel('test top-1 (%)')
    ax.set_title(f'each seed (dots), mean ± 1 std ({n_seeds} seed{"s" if n_seeds > 1 else ""})')
    ax.grid(axis='y', alpha=0.3)
    if gains:
        ax = axes[0][1]
        for i, (name, g) in enumerate(gains.items()):
            low, high = (g.low, g.high) if g.low is not None else (g.mean, g.mean)
            color = '#2a8a3e' if g.distinguishable and g.mean > 0 else '#b03a2e' if g.distinguishable else '#555555'
            ax.errorbar(i, g.mean, yerr=[[g.mean - low], [high - g.mean]], fmt='o', color=color, capsize=6)
            ax.annotate(f'{g.mean:+.2f}', (i, g.mean), textcoords='offset points', xytext=(10, -3), fontsize=8)
        ax.axhline(0, color='black', linewidth=0.8)
        ax.set_xticks(range(len(gains)), list(gains), rotation=15)
        ax.set_xlim(-0.5, len(gains) - 0.5)
        ax.set_ylabel(f'gain over {reference} (points)')
        ax.set_title('paired gain, same seed, with its 95 % CI' if n_seeds > 1 else 'gain (one seed: no interval)')
        ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
