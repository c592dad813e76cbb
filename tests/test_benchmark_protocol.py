"""The benchmark library (mmkd/apis/benchmark/): the parent <-> worker pipe protocol and the result's keys."""

import io
import json
import os
import subprocess
import sys

import pytest
import torch
from conftest import REPO

from mmkd.apis.benchmark import format_report, summarise
from mmkd.apis.benchmark.worker import (
    PREFIX,
    STEP,
    STOP,
    final_message,
    read_message,
    ready_message,
    serve,
    write_command,
    write_message,
)
from mmkd.utils.allocator import ENV_SWITCH, allocator_env, find_jemalloc

RESULT_KEYS = [
    'config',
    'device',
    'threads',
    'batch_size',
    'input_size',
    'iters',
    'warmup',
    'amp',
    'channels_last',
    'fast_teacher',
    'has_teacher',
    'random_checkpoints',
    'torch',
    'mmengine',
    'python',
    'machine',
    'cpu_count',
    'load_average',
    'variants',
    'ratios',
    'targets',
]
VARIANT_KEYS = [
    'description',
    'median_step_s',
    'min_step_s',
    'mean_step_s',
    'step_times_s',
    'cpu_time_per_step_s',
    'sys_time_per_step_s',
    'page_faults_per_step',
    'images_per_s',
    'peak_memory_mb',
    'memory_kind',
    'memory_after_build_mb',
    'build_s',
    'losses',
    'reference_preprocess',
    'allocator',
]


def test_messages_round_trip_through_a_stream_with_other_output():
    stream = io.StringIO()
    stream.write('a library prints something\n')
    write_message(stream, ready_message())
    stream.write(PREFIX[:-1] + 'not quite the prefix\n')
    write_message(stream, dict(wall_s=0.5, losses={'loss_ce': 1.25}))
    stream.seek(0)
    assert read_message(stream) == dict(ready=True)
    assert read_message(stream) == dict(wall_s=0.5, losses={'loss_ce': 1.25})
    assert read_message(stream) is None  # end of file: the worker is gone


def test_worker_loop_answers_ready_every_step_and_stop():
    calls = []

    def step():
        calls.append(1)
        return dict(loss_ce=torch.tensor([1.0, 3.0]), loss_aux=[torch.tensor(1.0), torch.tensor(2.0)], acc=7.0)

    commands = io.StringIO()
    for command in (STEP, STEP, STOP, STEP):  # nothing after stop is read
        write_command(commands, command)
    commands.seek(0)
    replies = io.StringIO()
    serve(step, commands, replies, build_s=1.5, memory_after_build_mb=10.0, info=dict(reference_preprocess='torch'))
    replies.seek(0)
    messages = []
    while (message := read_message(replies)) is not None:
        messages.append(message)
    assert len(calls) == 2 and len(messages) == 4
    assert messages[0] == ready_message()
    for record in messages[1:3]:
        assert set(record) == {'wall_s', 'cpu_s', 'sys_s', 'page_faults'} and record['wall_s'] >= 0
    final = messages[3]
    assert final['losses'] == dict(loss_ce=2.0, loss_aux=3.0)  # means; per-exit lists summed
    assert final['build_s'] == 1.5 and final['memory_after_build_mb'] == 10.0
    assert final['reference_preprocess'] == 'torch' and final['memory_kind'].startswith('peak RSS')
    assert set(final) == set(final_message('cpu', 1.5, 10.0, {}, reference_preprocess='torch'))


def test_worker_refuses_an_unknown_command():
    with pytest.raises(ValueError, match='unknown command'):
        serve(lambda: {}, io.StringIO('jump\n'), io.StringIO())


def test_parent_pipes_reach_a_worker_process_and_back():
    """The same functions across a real pipe, with a stand-in worker that echoes the commands."""
    echo = (
        'import sys\n'
        'from mmkd.apis.benchmark.worker import read_message, write_message\n'
        'write_message(sys.stdout, dict(ready=True))\n'
        'for line in sys.stdin:\n'
        '    write_message(sys.stdout, dict(command=line.strip()))\n'
    )
    proc = subprocess.Popen(
        [sys.executable, '-c', echo], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert read_message(proc.stdout) == dict(ready=True)
        for command in (STEP, STOP):
            write_command(proc.stdin, command)
            assert read_message(proc.stdout) == dict(command=command)
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def fake_settings() -> dict:
    return dict(
        config='configs/x/y.py',
        device='cpu',
        threads=1,
        batch_size=8,
        input_size=32,
        amp=False,
        channels_last=False,
        fast_teacher=None,
        has_teacher=True,
        random_checkpoints=['teacher_ckpt'],
    )


def fake_final(peak: float, allocator: str) -> dict:
    return dict(
        peak_memory_mb=peak,
        memory_kind='peak RSS (ru_maxrss)',
        memory_after_build_mb=peak / 2,
        build_s=1.0,
        losses=dict(loss=1.0),
        reference_preprocess=None,
        allocator=allocator,
    )


def test_result_has_every_json_key_and_the_report_prints_measurements_only():
    def records(times):
        return [dict(wall_s=t, cpu_s=t, sys_s=0.0, page_faults=0) for t in times]

    steps = dict(mmkd=records([2.0, 1.0, 3.0]), reference=records([2.0, 2.0, 2.0]), naive=records([4.0, 4.0, 4.0]))
    finals = dict(
        mmkd=fake_final(900, 'jemalloc'), reference=fake_final(900, 'jemalloc'), naive=fake_final(1000, 'system')
    )
    result = summarise(fake_settings(), steps, finals, iters=3, warmup=1, load_start=[1.0, 1.0, 1.0])
    assert list(result) == RESULT_KEYS
    assert all(list(v) == VARIANT_KEYS for v in result['variants'].values())
    assert result['variants']['mmkd']['median_step_s'] == 2.0 and result['variants']['mmkd']['images_per_s'] == 4.0
    assert result['ratios'] == pytest.approx(
        dict(
            overhead=1.0,
            speedup_vs_naive=2.0,
            memory_vs_naive=0.9,
            reference_speedup_vs_naive=2.0,
            overhead_paired=1.0,  # per round 1.0, 0.5, 1.5
            speedup_vs_naive_paired=2.0,  # per round 2.0, 4.0, 1.333
        )
    )
    json.dumps(result)  # what --json writes
    report = format_report(result).splitlines()
    assert report[0].startswith('configs/x/y.py  device=cpu threads=1 batch=8 input=32')
    assert report[1].split() == ['variant', 'median', 's', 'min', 's', 'img/s', 'peak', 'MB', 'faults/step', 'malloc']
    assert [line.split()[0] for line in report[2:5]] == ['mmkd', 'reference', 'naive']
    assert report[5].startswith('ratios: overhead=1.000, speedup_vs_naive=2.000')
    assert report[6].startswith('load average start [1.0, 1.0, 1.0] end ')
    assert len(report) == 7 and not any('target' in line for line in report)


def test_allocator_env_of_a_worker():
    base = {'LD_PRELOAD': '/x/libfoo.so:/usr/lib/libjemalloc.so.2', 'PATH': '/bin'}
    system = allocator_env(base, 'system')
    assert system['LD_PRELOAD'] == '/x/libfoo.so' and system[ENV_SWITCH] == 'system' and system['PATH'] == '/bin'
    assert base['LD_PRELOAD'].endswith('libjemalloc.so.2')  # the input is left alone
    jemalloc = allocator_env({'PATH': '/bin'}, 'jemalloc')
    library = find_jemalloc() if sys.platform.startswith('linux') else None
    assert jemalloc.get('LD_PRELOAD') == library and jemalloc[ENV_SWITCH] == 'jemalloc'
    with pytest.raises(ValueError, match='allocator'):
        allocator_env(dict(os.environ), 'tcmalloc')
