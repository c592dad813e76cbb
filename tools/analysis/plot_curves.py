"""Plot loss / accuracy curves of one or more runs from mmengine's json logs.

Example:
    python tools/analysis/plot_curves.py work_dirs/a work_dirs/b --keys accuracy/top1 --out curves.png
"""

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmkd.visualization.curves import plot_curves  # noqa: E402


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
