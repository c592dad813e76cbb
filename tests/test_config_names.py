"""Config names: every leaf config is named on the OpenMMLab pattern and its name agrees with its values,
every config path the repository mentions exists, and a former name is answered with the new one."""

import glob
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
from conftest import REPO
from mmengine.config import Config

from mmkd.apis.config import finalize_config
from mmkd.apis.runner import load_config
from mmkd.utils.config_names import RENAMED, missing_config_error, parse_config_name, schedule_length

# where the former names are written on purpose: the table, its page, this test
TABLE_FILES = {'mmkd/utils/config_names.py', 'docs/config_names.md', 'tests/test_config_names.py'}
# config paths a test names because they do not exist
ABSENT_ON_PURPOSE = {
    'configs/dml/dml_resnet8x4_resnet8x4_1xb64-240e_cifar100.py',  # test_model_index: a config in no metafile
    'configs/x/y.py',  # test_benchmark*: a label
}
CONFIG_PATH = re.compile(r'(?<![\w.-])configs/[\w./-]*[\w-]\.py')
RELATIVE_PATH = re.compile(r'''['"](\.\.?/[\w./-]*[\w-]\.py)['"]''')
# a bare config name (not one inside a path, a glob, a brace list or another package's ``pkg::dir/name``)
NAMED_CONFIG = re.compile(r'(?<![\w.*{},/-])[a-z0-9][\w.-]*_\d+xb\d+-\d+(?:e|k|iter|x)_[\w.-]+?\.py\b')


def leaf_configs():
    found = glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    rel = (osp.relpath(p, REPO).replace(os.sep, '/') for p in found)
    return sorted(p for p in rel if '_base_' not in p.split('/'))


def text_files():
    """The repository's tracked (and new, not ignored) ``.py`` / ``.md`` / ``.yml`` files."""
    try:
        out = subprocess.run(
            ['git', 'ls-files', '--cached', '--others', '--exclude-standard', '*.py', '*.md', '*.yml', '*.yaml'],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split('\n')
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('not a git checkout')
    return sorted(f for f in out if f and osp.isfile(osp.join(REPO, f)))


def read(rel):
    with open(osp.join(REPO, rel), encoding='utf-8', errors='replace') as f:
        return f.read()


def test_every_leaf_config_is_named_on_the_pattern_and_its_name_agrees_with_its_values():
    problems = []
    for path in leaf_configs():
        name = parse_config_name(path)
        if name is None:
            problems.append(f'{path}: not {{method}}_{{networks}}_{{N}}xb{{B}}-{{schedule}}_{{dataset}}')
            continue
        cfg = finalize_config(Config.fromfile(osp.join(REPO, path)))
        batch = cfg.train_dataloader.batch_size
        base = (cfg.get('auto_scale_lr') or {}).get('base_batch_size')
        gpus = base // batch if base and base % batch == 0 else 1
        unit, length = schedule_length(name['schedule'])
        ran = cfg.train_cfg.get('max_epochs' if unit == 'epochs' else 'max_iters')
        if (name['gpus'], name['batch']) != (gpus, batch):
            problems.append(f'{path}: named {name["gpus"]}xb{name["batch"]}, runs {gpus}xb{batch}')
        if ran != length:
            problems.append(f'{path}: named {name["schedule"]}, runs {ran} {unit}')
        if 'imagenet' in name['dataset'].split('-')[0] and name['dataset'] != 'tiny-imagenet':
            problems.append(f'{path}: ImageNet-1k is in1k')
    assert not problems, '\n'.join(problems)


def test_every_config_path_the_repository_mentions_exists():
    configs = set(leaf_configs())
    basenames = {osp.basename(p) for p in configs}
    problems = []
    for rel in text_files():
        if rel in TABLE_FILES:
            continue
        text = read(rel)
        for m in CONFIG_PATH.finditer(text):
            path = m.group()
            if path not in ABSENT_ON_PURPOSE and not osp.isfile(osp.join(REPO, path)):
                problems.append(f'{rel}: {path}')
        if rel.startswith('configs/'):
            for m in RELATIVE_PATH.finditer(text):
                # relative to the file, or (an example in a base's comment) to a folder of leaf configs
                here = osp.normpath(osp.join(REPO, osp.dirname(rel), m.group(1)))
                if not osp.isfile(here) and not osp.isfile(osp.normpath(osp.join(REPO, 'configs', 'kd', m.group(1)))):
                    problems.append(f'{rel}: {m.group(1)}')
        for m in NAMED_CONFIG.finditer(text):
            if m.group() not in basenames and not any(m.group() == osp.basename(p) for p in ABSENT_ON_PURPOSE):
                problems.append(f'{rel}: {m.group()} (no config of that name)')
    assert not problems, 'stale config paths:\n' + '\n'.join(sorted(set(problems)))


def test_no_former_name_is_left_outside_the_table():
    stems = sorted((osp.splitext(osp.basename(old))[0] for old in RENAMED), key=len, reverse=True)
    former = re.compile(r'(?<![\w.-])(' + '|'.join(map(re.escape, stems)) + r')(?![\w-])')
    hits = [
        f'{rel}:{n}: {m.group()}'
        for rel in text_files()
        if rel not in TABLE_FILES
        for n, line in enumerate(read(rel).split('\n'), 1)
        for m in former.finditer(line)
    ]
    assert not hits, 'former config names (see docs/config_names.md):\n' + '\n'.join(hits)


def test_the_table_maps_former_paths_to_configs_that_exist():
    configs = set(leaf_configs())
    assert len(set(RENAMED.values())) == len(RENAMED)
    assert not set(RENAMED) & configs, 'a former name exists again'
    assert set(RENAMED.values()) <= configs, sorted(set(RENAMED.values()) - configs)


def test_a_former_name_is_answered_with_the_new_path(tmp_path):
    old, new = (
        'configs/kd/kd_resnet32x4_resnet8x4_cifar100.py',
        RENAMED['configs/kd/kd_resnet32x4_resnet8x4_cifar100.py'],
    )
    with pytest.raises(FileNotFoundError, match=re.escape(new)):
        load_config(old)
    absolute = osp.join(REPO, old)
    assert osp.join(REPO, new) in str(missing_config_error(absolute))
    assert new in str(missing_config_error(osp.basename(old)))
    assert (
        str(missing_config_error('configs/kd/no_such_config.py'))
        == 'config file configs/kd/no_such_config.py does not exist'
    )
    # the tools say it in one line, without a traceback
    demo = 'configs/demo/kd_resnet18-w32_resnet18-w16_fashion-mnist.py'
    r = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), demo, '--work-dir', str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert r.returncode != 0
    assert RENAMED[demo] in r.stderr and 'Traceback' not in r.stderr


def test_the_docs_table_is_current():
    sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
    try:
        import config_names
    finally:
        sys.path.pop(0)
    assert config_names.main(['--check', '--root', REPO]) == 0
