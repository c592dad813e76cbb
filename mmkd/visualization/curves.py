"""Loss / accuracy curves of one or more runs, read from mmengine's json logs."""

import os.path as osp

from mmkd.utils.logs import load_scalars, metric_series


def plot_curves(runs, keys, out, names=None, title=None):
    """One panel per logged key, one line per run; returns ``out``.

    Args:
        runs (list[str]): work dirs (or ``scalars.json`` files).
        keys (list[str]): logged keys, e.g. ``'accuracy/top1'``, ``'loss'``.
        out (str): the PNG to write.
        names (list[str], optional): legend names, one per run (default: the folder names).
        title (str, optional): the figure's title.
    """
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names = names or [osp.basename(osp.normpath(r)) for r in runs]
    if len(names) != len(runs):
        raise ValueError(f'{len(names)} names for {len(runs)} runs')
    fig, axes = plt.subplots(1, len(keys), figsize=(6 * len(keys), 4), squeeze=False)
    plotted = 0
    for ax, key in zip(axes[0], keys):
        for run, name in zip(runs, names):
            steps, values = metric_series(load_scalars(run), key)
            if values:
                ax.plot(steps, values, marker='o' if len(values) < 30 else None, label=name)
                plotted += 1
        ax.set_title(key)
        ax.set_xlabel('epoch' if 'accuracy' in key else 'step')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if plotted == 0:
        raise ValueError(f'none of the keys {keys} appear in the logs of {runs}')
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
