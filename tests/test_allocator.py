"""The tools' jemalloc re-exec (mmkd/utils/allocator.py, tools/jemalloc_launch.py)."""

import json
import os
import os.path as osp
import subprocess
import sys

from conftest import REPO

from mmkd.utils.allocator import (
    ENV_PATH,
    ENV_SWITCH,
    JEMALLOC_CONF,
    active_allocator,
    find_jemalloc,
    jemalloc_candidates,
    jemalloc_env,
)

# A tool's first lines, then a report of what the process ended up with.
PROBE = f'''
import json, os, sys
sys.path.insert(0, {osp.join(REPO, 'tools')!r})
from jemalloc_launch import reexec_on_jemalloc
returned = reexec_on_jemalloc()
with open('/proc/self/maps') as f:
    maps = f.read()
print(json.dumps(dict(returned=returned, mapped='libjemalloc' in maps, argv=sys.argv[1:],
                      conf=os.environ.get('MALLOC_CONF'), pid=os.getpid())))
'''


def run_probe(tmp_path, **env_updates):
    script = osp.join(str(tmp_path), 'probe.py')
    with open(script, 'w') as f:
        f.write(PROBE)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ('LD_PRELOAD', 'MALLOC_CONF', ENV_SWITCH, ENV_PATH, '_MMKD_JEMALLOC_REEXEC')
    }
    env.update(env_updates)
    proc = subprocess.run(
        [sys.executable, script, 'a b', '--flag'], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def test_jemalloc_env_prepends_the_library_and_keeps_the_users_settings():
    env = jemalloc_env({'LD_PRELOAD': '/x/libfoo.so', 'PATH': '/bin'}, '/lib/libjemalloc.so.2')
    assert env['LD_PRELOAD'] == '/lib/libjemalloc.so.2:/x/libfoo.so'
    assert env['MALLOC_CONF'] == JEMALLOC_CONF and 'dirty_decay_ms:-1' in JEMALLOC_CONF
    assert env['PATH'] == '/bin'
    again = jemalloc_env(env, '/lib/libjemalloc.so.2')  # idempotent
    assert again['LD_PRELOAD'] == env['LD_PRELOAD']
    mine = jemalloc_env({'MALLOC_CONF': 'narenas:1'}, '/lib/libjemalloc.so.2')
    assert mine['MALLOC_CONF'] == 'narenas:1' and mine['LD_PRELOAD'] == '/lib/libjemalloc.so.2'


def test_candidates_start_with_the_explicit_path_then_the_venv(monkeypatch):
    monkeypatch.setenv(ENV_PATH, '/opt/mine/libjemalloc.so.2')
    paths = jemalloc_candidates()
    assert paths[0] == '/opt/mine/libjemalloc.so.2'
    assert paths[1] == osp.join(sys.prefix, 'lib', 'mmkd', 'libjemalloc.so.2')
    monkeypatch.setenv(ENV_PATH, '/nonexistent/libjemalloc.so.2')
    assert find_jemalloc() != '/nonexistent/libjemalloc.so.2'


def test_tool_process_runs_on_jemalloc_with_its_arguments(tmp_path):
    report, _ = run_probe(tmp_path)
    assert report['argv'] == ['a b', '--flag']  # the re-exec keeps the command line
    if find_jemalloc() is None:  # tools/install.sh could not fetch it: the tool runs on the system malloc
        assert report == dict(report, returned='system', mapped=False)
    else:
        assert report['returned'] == 'jemalloc' and report['mapped'] and report['conf'] == JEMALLOC_CONF


def test_opt_out_keeps_the_system_malloc(tmp_path):
    report, _ = run_probe(tmp_path, **{ENV_SWITCH: 'system'})
    assert report['returned'] == 'system' and not report['mapped'] and report['conf'] is None


def test_a_library_that_does_not_load_does_not_loop(tmp_path):
    broken = osp.join(str(tmp_path), 'libjemalloc.so.2')
    with open(broken, 'w') as f:
        f.write('not an ELF file')
    report, stderr = run_probe(tmp_path, **{ENV_PATH: broken})
    assert report['returned'] == 'system' and not report['mapped']
    assert 'libjemalloc.so.2' in stderr  # the loader says why it ignored the preload


def test_this_process_reports_its_allocator():
    assert active_allocator() in ('jemalloc', 'system')


def test_a_tool_copied_away_from_the_checkout_finds_the_installed_allocator(tmp_path):
    """A wheel install carries the tools as copies under mmkd/.mim/tools: no mmkd/ beside them."""
    import shutil

    tools = tmp_path / '.mim' / 'tools'
    tools.mkdir(parents=True)
    shutil.copy(osp.join(REPO, 'tools', 'jemalloc_launch.py'), tools)
    code = 'import jemalloc_launch, sys; print(jemalloc_launch.ALLOCATOR); print("torch" in sys.modules)'
    out = subprocess.run(
        [sys.executable, '-c', code], cwd=tools, env=dict(os.environ, PYTHONPATH=REPO), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    path, torch_imported = out.stdout.split()
    assert osp.samefile(path, osp.join(REPO, 'mmkd', 'utils', 'allocator.py'))
    assert torch_imported == 'False'  # located, not imported
