"""Read mmengine's json scalar logs (``<work_dir>/<timestamp>/vis_data/scalars.json``)."""

import glob
import json
import os.path as osp
from typing import Dict, List, Tuple


def find_scalars(run: str) -> str:
    """The newest ``scalars.json`` of a run directory (or ``run`` itself when it is a json file)."""
    if osp.isfile(run):
        return run
    found = sorted(glob.glob(osp.join(run, '*', 'vis_data', 'scalars.json')))
    if not found:
        raise FileNotFoundError(f'no mmengine json log (*/vis_data/scalars.json) under {run}')
    return found[-1]


def load_scalars(run: str) -> List[dict]:
    """All records of a run's json log, in order."""
    path = find_scalars(run)
    records = []
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f'{path}:{line_no}: not a json record ({e})') from None
    return records


def metric_series(records: List[dict], key: str) -> Tuple[List[float], List[float]]:
    """(steps, values) of ``key``; validation records are indexed by epoch/step as mmengine logs them."""
    steps, values = [], []
    for rec in records:
        if key in rec:
            steps.append(rec.get('step', len(steps) + 1))
            values.append(float(rec[key]))
    return steps, values


def final_metrics(run: str, keys: List[str]) -> Dict[str, Dict[str, float]]:
    """For each key present: its last value, best (max) value and the step of the best."""
    records = load_scalars(run)
    out = {}
    for key in keys:
        steps, values = metric_series(records, key)
        if values:
            best = max(range(len(values)), key=values.__getitem__)
            out[key] = dict(last=values[-1], best=values[best], best_step=steps[best])
    return out
