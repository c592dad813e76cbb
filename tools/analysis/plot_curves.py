"""Plot loss / accuracy curves of one or more runs from mmengine's json logs.

Example:
    python tools/analysis/plot_curves.py work_dirs/a work_dirs/b --keys accuracy/top1 --out curves.png
"""

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmkd.utils.logs import load_scalars, metric_series  # noqa: E402


def plot_curves(runs, keys, out, names=None, title=None):
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


def main():
    parser = argparse.ArgumentParser(description='Plot curves from mmengine json logs')
    parser.add_argument('runs', nargs='+', help='work dirs (or scalars.json files)')
    parser.add_argument('--keys', nargs='+', default=['accuracy/top1'], help='logged keys to plot')
    parser.add_argument('--names', nargs='+', help='legend names, one per run')
    parser.add_argument('--title')
    parser.add_argument('--out', required=True, help='output PNG')
    args = parser.parse_args()
    try:
        plot_curves(args.runs, args.keys, args.out, args.names, args.title)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f'plot_curves: {e}')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
