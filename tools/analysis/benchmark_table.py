"""Markdown table of ``tools/benchmark.py --json`` results (the tables of docs/benchmarks.md).

python tools/analysis/benchmark_table.py work_dirs/bench/*.json [--out table.md]
"""

import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.realpath(__file__)))))  # the repo, for mmkd

COLUMNS = (
    'run',
    'config',
    'batch',
    'steps',
    'mmkd s',
    'reference s',
    'naive s',
    'mmkd img/s',
    'overhead (paired)',
    'speedup vs naive (paired)',
    'peak MB mmkd / naive',
    'malloc mmkd / naive',
    'load avg',
)


def _fmt(x, spec='.2f'):
    return '-' if x is None else format(x, spec)


def row(path: str) -> list:
    """One table row of a benchmark JSON file."""
    with open(path) as f:
        result = json.load(f)
    try:
        v, r = result['variants'], result['ratios']
    except KeyError as e:
        raise KeyError(f'{path} is not a tools/benchmark.py --json result: no {e}') from None

    def step(name):
        return f"{v[name]['median_step_s']:.2f} / {v[name]['min_step_s']:.2f}" if name in v else '-'

    if 'overhead_paired' not in r and 'speedup_vs_naive_paired' not in r:  # written before the paired ratios
        from mmkd.apis.benchmark import paired_ratios  # imports torch: only for such files

        r.update(paired_ratios(v))
    mmkd = v.get('mmkd', {})
    naive = v.get('naive', {})
    memory = (
        f"{mmkd['peak_memory_mb']:.0f} / {naive['peak_memory_mb']:.0f} ({r['memory_vs_naive']:.3f})"
        if 'memory_vs_naive' in r
        else '-'
    )
    load = result.get('load_average') or {}
    return [
        osp.splitext(osp.basename(path))[0],
        f"`{osp.basename(result['config'])}`",
        str(result['batch_size']),
        str(len(next(iter(v.values()))['step_times_s'])),
        step('mmkd'),
        step('reference'),
        step('naive'),
        _fmt(mmkd.get('images_per_s')),
        f"{_fmt(r.get('overhead'), '.3f')} ({_fmt(r.get('overhead_paired'), '.3f')})",
        f"**{_fmt(r.get('speedup_vs_naive'))}** ({_fmt(r.get('speedup_vs_naive_paired'))})",
        memory,
        f"{mmkd.get('allocator', '-')} / {naive.get('allocator', '-')}",
        ' -> '.join(f'{x[0]:.1f}' for x in (load.get('start'), load.get('end')) if x),
    ]


def table(paths) -> str:
    lines = ['| ' + ' | '.join(COLUMNS) + ' |', '|' + '---|' * len(COLUMNS)]
    lines += ['| ' + ' | '.join(row(p)) + ' |' for p in paths]
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description='Markdown table of tools/benchmark.py JSON results')
    parser.add_argument('results', nargs='+', help='JSON files written by tools/benchmark.py --json')
    parser.add_argument('--out', help='also write the table to this file')
    args = parser.parse_args(argv)
    missing = [p for p in args.results if not osp.isfile(p)]
    if missing:
        sys.exit(f'no such benchmark result: {", ".join(missing)}')
    text = table(args.results)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')


if __name__ == '__main__':
    main()
