"""Plots of the main job's report (tools/demo.py)."""

from typing import List


def plot_bars(rows: List[dict], out: str) -> None:
    """Final test top-1 per row (``method``, ``last``, ``student``): the teacher grey, students blue."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.6 * len(rows) + 2, 4))
    values = [r['last'] for r in rows]
    colors = ['#888888' if not r['student'] else '#3b75af' for r in rows]
    ax.bar([r['method'] for r in rows], values, color=colors)
    low = min(values)
    ax.set_ylim(max(0, low - 3), min(100, max(values) + 1.5))
    for i, v in enumerate(values):
        ax.text(i, v + 0.1, f'{v:.2f}', ha='center', fontsize=9)
    ax.set_ylabel('test top-1 (%) after the last epoch')
    ax.set_title('Fashion-MNIST: teacher (grey) and the student trained each way')
    plt.xticks(rotation=15)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
