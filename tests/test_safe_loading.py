"""No checkpoint runs code, whatever its scheme or entry point; bad checkpoint files get clear errors.

A malicious pickle (its ``__reduce__`` creates a marker file) is served for every scheme mmengine
knows: http from a loopback server started here (127.0.0.1, port 0), the other schemes by pointing
their URL lists / file backends at it. Every load must raise ``UnsafeCheckpointError`` and leave no
marker.
"""

import argparse
import functools
import http.server
import os
import os.path as osp
import re
import runpy
import shutil
import stat
import subprocess
import sys
import threading
import types
import warnings

import pytest
import torch
from conftest import REPO, write_tiny_config

import mmkd.utils.checkpoint as safe
from mmkd.utils.checkpoint import (
    CheckpointDownloadError,
    LastCheckpointError,
    NotACheckpointError,
    TruncatedCheckpointError,
    UnsafeCheckpointError,
)


class Payload:
    """Unpickling it with ``weights_only=False`` creates ``path``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, 'w')


def tiny_classifier(num_classes=5):
    return dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=8, stem_channels=8),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=num_classes, in_channels=64, loss=dict(type='CrossEntropyLoss')),
    )


def build(cfg):
    from mmkd.registry import MODELS

    return MODELS.build(cfg)


@pytest.fixture
def marker(tmp_path):
    return tmp_path / 'PWNED'


@pytest.fixture
def evil(tmp_path, marker):
    """A torch.save'd checkpoint with real weights and one malicious object."""
    path = tmp_path / 'www' / 'evil.pth'
    path.parent.mkdir()
    torch.save({'state_dict': {'weight': torch.zeros(2)}, 'meta': {'x': Payload(marker)}}, path)
    return path


@pytest.fixture
def server(tmp_path, evil, monkeypatch):
    """``http://127.0.0.1:PORT`` serving ``tmp_path/www``; a fresh hub cache; bounded requests."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        timeout = 10

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(evil.parent)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
    thread.start()
    monkeypatch.setattr(torch.hub, '_hub_dir', str(tmp_path / 'hub'))
    monkeypatch.setattr(safe, 'DOWNLOAD_TIMEOUT', 10)
    yield f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_the_payload_is_real(evil, marker):
    """Control: the same file unpickled the unsafe way does create the marker."""
    torch.load(evil, weights_only=False)
    assert marker.exists()


# --------------------------------------------------------------------------- every scheme
MMENGINE_PREFIXES = {
    '',
    'http://',
    'https://',
    'modelzoo://',
    'torchvision://',
    'open-mmlab://',
    'openmmlab://',
    'mmcls://',
    'pavi://',
    r'(\S+\:)?s3://',
    r'(\S+\:)?petrel://',
}


def test_every_registered_scheme_is_an_mmkd_loader():
    import mmdet.apis  # noqa: F401  (the toolboxes mmkd drives may register schemes on import)
    import mmpretrain.apis  # noqa: F401
    import mmseg.apis  # noqa: F401
    from mmengine.runner.checkpoint import CheckpointLoader

    # a scheme added later must get a case in test_malicious_pickle_is_refused_for_every_scheme
    assert set(CheckpointLoader._schemes) == MMENGINE_PREFIXES
    for prefix, loader in CheckpointLoader._schemes.items():
        assert getattr(loader, '_mmkd_safe', False), prefix
        assert loader.__module__ == 'mmkd.utils.checkpoint', prefix


def _fake_pavi(monkeypatch, evil):
    class Model:
        name = 'evil.pth'

        def download(self, path):
            shutil.copy(evil, path)

    monkeypatch.setitem(
        sys.modules, 'pavi', types.SimpleNamespace(modelcloud=types.SimpleNamespace(get=lambda path: Model()))
    )


def _fake_file_backend(monkeypatch, evil):
    import mmengine.fileio

    data = evil.read_bytes()
    monkeypatch.setattr(
        mmengine.fileio, 'get_file_backend', lambda *args, **kwargs: types.SimpleNamespace(get=lambda filename: data)
    )


def scheme_url(scheme, url, evil, monkeypatch, tmp_path):
    """The checkpoint name for ``scheme`` whose bytes are ``evil``, after pointing the scheme at it."""
    from mmengine.runner import checkpoint as mmengine_checkpoint

    lists = {
        'torchvision': 'get_torchvision_models',
        'modelzoo': 'get_torchvision_models',
        'open-mmlab': 'get_external_models',
        'openmmlab': 'get_external_models',
        'mmcls': 'get_mmcls_models',
    }
    if scheme == 'local':
        return str(evil)
    if scheme == 'http':
        return f'{url}/evil.pth'
    if scheme == 'https':  # no TLS here: the https request is answered by the loopback server
        real_urlopen = safe.urllib.request.urlopen

        def urlopen(request, *args, **kwargs):
            target = request.full_url.replace('https://models.example', url)
            return real_urlopen(
                safe.urllib.request.Request(target, headers=dict(request.header_items())), *args, **kwargs
            )

        monkeypatch.setattr(safe.urllib.request, 'urlopen', urlopen)
        return 'https://models.example/evil.pth'
    if scheme == 'open-mmlab-local':  # a model list entry that is a file under MMENGINE_HOME
        monkeypatch.setenv('MMENGINE_HOME', str(evil.parent))
        monkeypatch.setattr(mmengine_checkpoint, 'get_external_models', lambda: {'evilnet': 'evil.pth'})
        return 'open-mmlab://evilnet'
    if scheme in lists:
        monkeypatch.setattr(mmengine_checkpoint, lists[scheme], lambda: {'evilnet': f'{url}/evil.pth'})
        return f'{scheme}://evilnet'
    if scheme == 'pavi':
        _fake_pavi(monkeypatch, evil)
        return 'pavi://models/evil'
    if scheme in ('s3', 'petrel', 'open-mmlab:s3'):
        _fake_file_backend(monkeypatch, evil)
        return f'{scheme}://bucket/evil.pth'
    raise KeyError(scheme)


SCHEMES = [
    'local',
    'http',
    'https',
    'torchvision',
    'modelzoo',
    'open-mmlab',
    'openmmlab',
    'open-mmlab-local',
    'mmcls',
    'pavi',
    's3',
    'petrel',
    'open-mmlab:s3',
]


@pytest.mark.parametrize('scheme', SCHEMES)
def test_malicious_pickle_is_refused_for_every_scheme(scheme, server, evil, marker, monkeypatch, tmp_path):
    from mmengine.runner import load_checkpoint
    from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

    name = scheme_url(scheme, server, evil, monkeypatch, tmp_path)
    with pytest.raises(UnsafeCheckpointError, match=r'Refused to load checkpoint .*evil.*io\.open'):
        _load_checkpoint(name, map_location='cpu')
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint(torch.nn.Linear(2, 2), name, map_location='cpu')
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint(name)
    assert not marker.exists()


def test_legacy_format_payload_is_refused(tmp_path, marker):
    path = tmp_path / 'legacy.pth'
    torch.save({'x': Payload(marker)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafeCheckpointError):
        safe.safe_load(str(path))
    assert not marker.exists()


def test_scheme_registered_later_runs_with_weights_only(evil, marker):
    """A loader another package registers after mmkd is imported (here an unsafe one) is guarded."""
    from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

    def load_from_plugin(filename, map_location=None):
        return torch.load(filename[len('plugin://') :], map_location=map_location, weights_only=False)

    CheckpointLoader.register_scheme('plugin://', load_from_plugin)
    try:
        with pytest.raises(UnsafeCheckpointError, match='plugin://'):
            _load_checkpoint(f'plugin://{evil}')
    finally:
        CheckpointLoader._schemes.pop('plugin://')
    assert not marker.exists()
    assert 'TORCH_FORCE_WEIGHTS_ONLY_LOAD' not in os.environ


def test_runner_load_from_and_resume_from_a_url_are_refused(server, marker, tmp_path):
    from mmengine.runner import Runner

    for resume in (False, True):
        runner = Runner(
            model=build(tiny_classifier()),
            work_dir=str(tmp_path / f'work{resume}'),
            load_from=f'{server}/evil.pth',
            resume=resume,
            default_scope='mmkd',
        )
        with pytest.raises(UnsafeCheckpointError):
            runner.load_or_resume()
    assert not marker.exists()


def test_pretrained_init_cfg_from_a_url_is_refused(server, marker):
    from mmkd.registry import MODELS

    backbone = MODELS.build(
        dict(
            type='ResNet_CIFAR',
            depth=18,
            base_channels=8,
            stem_channels=8,
            init_cfg=dict(type='Pretrained', checkpoint=f'{server}/evil.pth'),
        )
    )
    with pytest.raises(UnsafeCheckpointError):
        backbone.init_weights()
    assert not marker.exists()


def test_backbone_load_check_hook_is_refused(server, marker):
    from mmengine.runner import BaseLoop, EpochBasedTrainLoop

    from mmkd.registry import MODELS
    from mmkd.transfer import BackboneLoadCheckHook

    model = MODELS.build(
        dict(
            tiny_classifier(),
            backbone=dict(
                type='ResNet_CIFAR',
                depth=18,
                base_channels=8,
                stem_channels=8,
                init_cfg=dict(type='Pretrained', checkpoint=f'{server}/evil.pth', prefix='backbone.'),
            ),
        )
    )
    runner = types.SimpleNamespace(model=model, _train_loop=BaseLoop.__new__(EpochBasedTrainLoop), logger=None)
    with pytest.raises(UnsafeCheckpointError):
        BackboneLoadCheckHook().before_run(runner)
    assert not marker.exists()


def test_failed_download_leaves_no_file_in_the_cache(server, tmp_path):
    with pytest.raises(CheckpointDownloadError, match=r'missing\.pth.*download it elsewhere and pass the local file'):
        safe.safe_load_checkpoint(f'{server}/missing.pth')
    assert os.listdir(tmp_path / 'hub' / 'checkpoints') == []


# --------------------------------------------------------------------------- nothing stored is executed
def _cfg_with_code(marker):
    return (
        f"import builtins\nbuiltins.open({str(marker)!r}, 'w')\n"
        f"model = dict(type='ImageClassifier', backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=8, "
        f"stem_channels=8), neck=dict(type='GlobalAveragePooling'), head=dict(type='LinearClsHead', "
        f"num_classes=5, in_channels=64))\n"
        f"train_cfg = dict(max_epochs=__import__('os').system('touch {marker}'))\n"
    )


def test_stored_config_code_is_not_run_by_export(tmp_path, marker):
    from mmengine.config import Config

    from mmkd.apis import export_student

    text = _cfg_with_code(marker)
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': build(tiny_classifier()).state_dict(), 'meta': {'cfg': text}}, ckpt)
    meta = export_student(str(ckpt), str(tmp_path / 'student.pth'))
    assert not marker.exists()
    # the literal model assignment is still read, as data
    assert meta['model_cfg']['backbone'] == dict(type='ResNet_CIFAR', depth=18, base_channels=8, stem_channels=8)
    assert meta['model_cfg_source'] == "meta['cfg'] (read as data, not executed)"
    Config.fromstring(text, '.py')  # control: the old way runs it
    assert marker.exists()


def test_stored_config_code_is_not_run_by_css_export(tmp_path, marker):
    from mmkd.apis import export_student

    text = f"model = dict(type='CSSDistiller', net1=__import__('builtins').open({str(marker)!r}, 'w'))\n"
    ckpt = tmp_path / 'css.pth'
    torch.save({'state_dict': {'nets.0.x': torch.zeros(1)}, 'meta': {'cfg': text}}, ckpt)
    with pytest.raises(ValueError, match=r"css\.pth carries no model config readable as data.*--config"):
        export_student(str(ckpt), str(tmp_path / 'out.pth'))
    assert not marker.exists()


def test_model_cfg_without_literal_model_is_left_out_and_said(tmp_path, marker):
    from mmkd.apis import export_student

    ckpt = tmp_path / 'old.pth'
    text = f"model = dict(type=__import__('builtins').open({str(marker)!r}, 'w'))\n"
    torch.save({'state_dict': build(tiny_classifier()).state_dict(), 'meta': {'cfg': text}}, ckpt)
    meta = export_student(str(ckpt), str(tmp_path / 'student.pth'))
    assert 'model_cfg' not in meta and any(n.startswith('no model_cfg: ') and 'old.pth' in n for n in meta['notes'])
    assert not marker.exists()


# --------------------------------------------------------------------------- exported students carry data
@pytest.fixture(scope='module')
def dml_run(tmp_path_factory, fashion_root):
    """A 1-epoch DML run (eval_peer=1) of the demo config with ModelCfgMetaHook."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    tmp = tmp_path_factory.mktemp('dml')
    extra = (
        "custom_hooks = [dict(type='ModelCfgMetaHook')]\n"
        "default_hooks = dict(checkpoint=dict(save_best=None))\n"
        "val_dataloader = None\nval_cfg = None\nval_evaluator = None\n"
    )
    cfg = Config.fromfile(
        write_tiny_config(
            tmp,
            'configs/demo/dml_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py',
            fashion_root,
            extra,
            num_train=16,
            batch_size=8,
        )
    )
    cfg.work_dir = str(tmp / 'work')
    Runner.from_cfg(cfg).train()
    return tmp, osp.join(cfg.work_dir, 'epoch_1.pth'), cfg


def test_checkpoint_carries_the_model_config_as_data(dml_run):
    from mmkd.apis import model_config

    _, ckpt, cfg = dml_run
    meta = torch.load(ckpt, weights_only=True)['meta']
    assert meta['mmkd_model_cfg'] == model_config(cfg)
    assert meta['mmkd_model_cfg']['eval_peer'] == 1


def test_online_export_defaults_to_the_evaluated_peer_and_says_so(dml_run, capsys, monkeypatch):
    tmp, ckpt, cfg = dml_run
    out = osp.join(str(tmp), 'student.pth')
    monkeypatch.setattr(sys, 'argv', ['export_student.py', ckpt, out])
    runpy.run_path(osp.join(REPO, 'tools', 'export_student.py'), run_name='__main__')
    printed = capsys.readouterr().out
    assert 'exported peer 1 (the peer the method evaluates: eval_peer=1)' in printed
    state = torch.load(out, weights_only=True)
    source = torch.load(ckpt, weights_only=True)['state_dict']
    assert state['meta']['peer'] == 1
    for key, value in state['state_dict'].items():
        assert torch.equal(value, source[f'peers.1.{key}']), key
    assert state['meta']['model_cfg']['backbone']['base_channels'] == 16  # peer 1 is the width-16 student


def test_exported_student_is_plain_data_and_rebuilds(dml_run):
    tmp, ckpt, _ = dml_run
    from mmkd.apis import export_student

    out = osp.join(str(tmp), 'plain.pth')
    export_student(ckpt, out, force=True)
    # a fresh interpreter without mmkd (so without its allow-list) loads it with weights_only=True
    code = (
        'import sys, torch; m = torch.load(sys.argv[1], weights_only=True)["meta"]; '
        'print(m["model_cfg"]["type"], m["dataset_meta"]["classes"][0], m["model_cfg"]["data_preprocessor"]["type"])'
    )
    proc = subprocess.run([sys.executable, '-c', code, out], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['ImageClassifier', 'T-shirt/top', 'ClsDataPreprocessor']
    state = torch.load(out, weights_only=True)
    model = build(state['meta']['model_cfg'])
    missing, unexpected = model.load_state_dict(state['state_dict'], strict=True)
    assert not missing and not unexpected


def test_explicit_peer_and_fallback_peer(tmp_path):
    from mmkd.apis import export_student

    peers = {f'peers.{k}.{key}': v for k in (0, 1) for key, v in build(tiny_classifier()).state_dict().items()}
    ckpt = tmp_path / 'bare.pth'
    torch.save({'state_dict': peers}, ckpt)
    with pytest.warns(
        UserWarning,
        match=r'bare\.pth carries no readable model config.*peer 0 \(fallback\)'
        r'.*--peer K',
    ):
        meta = export_student(str(ckpt), str(tmp_path / 'a.pth'))
    assert meta['peer'] == 0 and meta['peer_choice'] == 'fallback peer 0: eval_peer unknown'
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        meta = export_student(str(ckpt), str(tmp_path / 'b.pth'), peer=1)
    assert meta['peer'] == 1 and meta['peer_choice'] == '--peer'


def test_css_default_peer_follows_eval_peer():
    from mmkd.apis.export_css import default_css_peer

    assert default_css_peer(dict(type='CSSDistiller', eval_peer=1))[0] == 1
    assert default_css_peer(dict(type='CSSDistiller', eval_mode='net2_agg'))[0] == 1  # the deprecated form
    assert default_css_peer(dict(type='CSSDistiller'))[0] == 0
    with pytest.warns(UserWarning, match=r'ensemble of both peers.*peer 0 \(fallback\).*--ensemble'):
        assert default_css_peer(dict(type='CSSDistiller', ensemble=True)) == (0, 'fallback peer 0: ensemble=True')


# --------------------------------------------------------------------------- clear errors
@pytest.fixture
def good_ckpt(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': build(tiny_classifier()).state_dict(), 'meta': {'epoch': 1}}, path)
    return path


def test_truncated_and_empty_checkpoints(good_ckpt, tmp_path):
    from mmengine.runner import load_checkpoint

    cut = tmp_path / 'cut.pth'
    cut.write_bytes(good_ckpt.read_bytes()[:5000])
    with pytest.raises(
        TruncatedCheckpointError,
        match=r'cut\.pth is truncated or corrupt .*earlier complete '
        r'checkpoint .*or copy / download the file again',
    ):
        load_checkpoint(torch.nn.Linear(1, 1), str(cut))
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(TruncatedCheckpointError, match=r'empty\.pth is truncated or corrupt \(the file is empty'):
        safe.safe_load(str(empty))
    legacy = tmp_path / 'legacy.pth'
    torch.save({'w': torch.zeros(1000)}, legacy, _use_new_zipfile_serialization=False)
    legacy.write_bytes(legacy.read_bytes()[:200])
    with pytest.raises(TruncatedCheckpointError, match=r'legacy\.pth is truncated'):
        safe.safe_load(str(legacy))


@pytest.mark.parametrize(
    'content,kind',
    [
        (b'teacher weights are in /data\n', 'looks like a text file'),
        (b'\x89PNG\r\n\x1a\n' + bytes(64), 'looks like an image'),
    ],
)
def test_non_checkpoint_file_as_teacher(tmp_path, content, kind):
    bad = tmp_path / 'teacher.pth'
    bad.write_bytes(content)
    with pytest.raises(
        NotACheckpointError,
        match=rf'teacher\.pth is not a PyTorch checkpoint \(it {kind}\)\. '
        r'Pass a \.pth file written by tools/train\.py',
    ):
        build(dict(type='KDDistiller', student=tiny_classifier(), teacher=tiny_classifier(), teacher_ckpt=str(bad)))


def _train_args(**kwargs):
    args = dict(
        launcher='none',
        work_dir=None,
        amp=False,
        resume='auto',
        no_validate=False,
        auto_scale_lr=False,
        no_pin_memory=False,
        no_persistent_workers=False,
    )
    args.update(kwargs)
    return argparse.Namespace(**args)


@pytest.mark.parametrize(
    'content,problem',
    [
        ('', 'is empty'),
        ('{work}/epoch_9.pth', 'points to .*epoch_9.pth, which does not exist'),
        ('{work}/epoch_2.pth', 'points to .*epoch_2.pth, which is truncated'),
    ],
)
def test_broken_last_checkpoint_on_resume(tmp_path, good_ckpt, content, problem):
    from mmengine.config import Config

    from mmkd.apis import prepare_train_cfg

    work = tmp_path / 'work'
    work.mkdir()
    shutil.copy(good_ckpt, work / 'epoch_1.pth')
    (work / 'epoch_2.pth').write_bytes(good_ckpt.read_bytes()[:3000])
    (work / 'last_checkpoint').write_text(content.format(work=work))
    cfg = Config(dict(model=tiny_classifier(), train_dataloader=None))
    with pytest.raises(
        LastCheckpointError,
        match=rf'cannot auto-resume: .*last_checkpoint {problem} .*'
        rf'--resume {re.escape(str(work / "epoch_1.pth"))}.*delete .*last_checkpoint',
    ):
        prepare_train_cfg(cfg, _train_args(work_dir=str(work)))
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    assert prepare_train_cfg(cfg, _train_args(work_dir=str(work))).resume is True


def run_export_tool(monkeypatch, *argv):
    """tools/export_student.py in-process: its SystemExit message (None on success)."""
    monkeypatch.setattr(sys, 'argv', ['export_student.py', *map(str, argv)])
    try:
        runpy.run_path(osp.join(REPO, 'tools', 'export_student.py'), run_name='__main__')
    except SystemExit as e:
        return str(e.code)
    return None


def test_export_onto_an_existing_file(good_ckpt, tmp_path, monkeypatch):
    out = tmp_path / 'student.pth'
    out.write_bytes(b'precious')
    msg = run_export_tool(monkeypatch, good_ckpt, out)
    assert msg == f'export_student: output {out} already exists; pass --force to replace it, or choose another path'
    assert out.read_bytes() == b'precious'
    old = os.umask(0o022)
    try:
        assert run_export_tool(monkeypatch, good_ckpt, out, '--force') is None
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644
    assert set(torch.load(out, weights_only=True)['state_dict']) == set(build(tiny_classifier()).state_dict())
    assert [p for p in os.listdir(tmp_path) if p.endswith('.tmp')] == []


def test_export_onto_a_directory(good_ckpt, tmp_path, monkeypatch):
    msg = run_export_tool(monkeypatch, good_ckpt, tmp_path)
    assert msg == (
        f'export_student: output {tmp_path} is a directory; give a file path such as {tmp_path / "student.pth"}'
    )


@pytest.fixture
def read_only_dir(tmp_path):
    path = tmp_path / 'ro'
    path.mkdir()
    if os.geteuid() == 0:  # root ignores permission bits; an immutable directory refuses root too
        subprocess.run(['chattr', '+i', str(path)], check=True)
        yield path
        subprocess.run(['chattr', '-i', str(path)], check=True)
    else:
        path.chmod(0o555)
        yield path
        path.chmod(0o755)


def test_export_into_a_read_only_directory(good_ckpt, read_only_dir, monkeypatch):
    out = read_only_dir / 'student.pth'
    msg = run_export_tool(monkeypatch, good_ckpt, out)
    assert msg.startswith('export_student: [Errno 1') or msg.startswith('export_student: [Errno 13')
    assert f'cannot write {out}: the directory {read_only_dir} is not writable' in msg
    assert 'choose an output path in a writable directory' in msg
    assert os.listdir(read_only_dir) == []


def test_unsafe_checkpoint_advice_works(good_ckpt, tmp_path):
    from mmkd.apis import export_student

    bad = tmp_path / 'old.pth'
    state = torch.load(good_ckpt, weights_only=True)
    state['meta']['args'] = argparse.Namespace(lr=0.1)
    torch.save(state, bad)
    with pytest.raises(UnsafeCheckpointError) as info:
        export_student(str(bad), str(tmp_path / 'student.pth'))
    msg = str(info.value)
    assert 'argparse.Namespace' in msg and 'never run it on a file you do not trust' in msg
    assert 'tools/export_student.py' in msg and 're-save' not in msg
    command = next(line.strip() for line in msg.splitlines() if line.strip().startswith('python -c '))
    proc = subprocess.run(
        command.replace('python', f'{sys.executable}', 1), shell=True, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    converted = tmp_path / 'old.tensors.pth'
    assert f'then use {converted} instead' in msg
    meta = export_student(str(converted), str(tmp_path / 'student.pth'))
    assert meta['num_tensors'] == len(build(tiny_classifier()).state_dict())
