"""The examples of docs/contributing.md (a loss, a method, a network, a data set) run as written."""

import json
import os.path as osp
import re
import subprocess
import sys

from conftest import REPO


def test_contributing_examples_run_in_order(tmp_path):
    with open(osp.join(REPO, 'docs', 'contributing.md')) as f:
        blocks = re.findall(r'```python\n(.*?)```', f.read(), flags=re.S)
    assert len(blocks) == 5
    (tmp_path / 'blocks.json').write_text(json.dumps(blocks))
    # one namespace, as a reader running the page top to bottom; no default scope is set
    code = (
        'import json\n'
        'namespace = {"__name__": "__main__"}\n'
        "for i, block in enumerate(json.load(open('blocks.json'))):\n"
        "    exec(compile(block, f'docs/contributing.md block {i}', 'exec'), namespace)\n"
        "    print(f'--- block {i}', flush=True)\n"
    )
    env = {'PYTHONPATH': REPO, 'OMP_NUM_THREADS': '1', 'PATH': '/usr/bin:/bin'}
    proc = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f'--- block {len(blocks) - 1}' in proc.stdout
