"""A markdown table of the final (last) and best metrics of several runs.

Example:
    python tools/analysis/compare_runs.py work_dirs/a work_dirs/b --keys accuracy/top1
"""

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmkd.utils.logs import final_metrics  # noqa: E402


def compare_runs(runs, keys, names=None) -> str:
    names = names or [osp.basename(osp.normpath(r)) for r in runs]
    if len(names) != len(runs):
        raise ValueError(f'{len(names)} names for {len(runs)} runs')
    header = ['run'] + [f'{k} ({kind})' for k in keys for kind in ('last', 'best')]
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for run, name in zip(runs, names):
        metrics = final_metrics(run, keys)
        cells = [name]
        for key in keys:
            m = metrics.get(key)
            cells += [f'{m["last"]:.2f}', f'{m["best"]:.2f} (step {m["best_step"]})'] if m else ['-', '-']
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description='Compare the final metrics of runs')
    parser.add_argument('runs', nargs='+', help='work dirs (or scalars.json files)')
    parser.add_argument('--keys', nargs='+', default=['accuracy/top1'])
    parser.add_argument('--names', nargs='+')
    parser.add_argument('--out', help='also write the table to this file')
    args = parser.parse_args()
    try:
        table = compare_runs(args.runs, args.keys, args.names)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f'compare_runs: {e}')
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table)


if __name__ == '__main__':
    main()
