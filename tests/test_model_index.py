"""The OpenMMLab model index: model-index.yml, configs/*/metafile.yml and the docs generated from them.

Every trainable config is in exactly one metafile, every metafile config exists and loads, names are unique,
model-index.yml imports every metafile, the modelindex package (what `mim search` reads) loads it, and
tools/analysis/model_zoo.py --check passes on the tree and fails, naming the file, on a copy that is out of step.
"""

import glob
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import tempfile

import pytest
import yaml

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOL = osp.join(REPO, 'tools', 'analysis', 'model_zoo.py')


def trainable_configs(root=REPO):
    found = glob.glob(osp.join(root, 'configs', '**', '*.py'), recursive=True)
    rel = (osp.relpath(p, root) for p in found)
    return sorted(p for p in rel if '_base_' not in p.split(osp.sep))


def metafiles():
    return sorted(
        osp.relpath(p, REPO) for p in glob.glob(osp.join(REPO, 'configs', '**', 'metafile.yml'), recursive=True)
    )


def load_yaml(rel, root=REPO):
    with open(osp.join(root, rel), encoding='utf-8') as f:
        return yaml.safe_load(f)


def models():
    """``[(metafile, model dict)]`` over every metafile."""
    return [(rel, m) for rel in metafiles() for m in load_yaml(rel)['Models']]


def run_check(root):
    return subprocess.run(
        [sys.executable, TOOL, '--check', '--root', str(root)], capture_output=True, text=True, timeout=60
    )


def test_the_tree_has_configs_and_metafiles():
    # the globs below must find something, or every "for each" test would pass on nothing
    assert len(trainable_configs()) > 100
    folders = {p.split(osp.sep)[1] for p in trainable_configs()}
    assert {osp.dirname(p).split(osp.sep)[1] for p in metafiles()} == folders
    assert 'configs/_base_/default_runtime.py' not in trainable_configs()
    assert not any('/_base_/' in p for p in trainable_configs())  # configs/transfer/_base_ too


def test_every_config_is_in_exactly_one_metafile():
    named = {}
    for rel, m in models():
        named.setdefault(m['Config'], []).append(rel)
    twice = {c: files for c, files in named.items() if len(files) > 1}
    assert not twice
    assert sorted(named) == trainable_configs()


def test_metafile_configs_exist_and_load(monkeypatch):
    from mmengine.config import Config

    if os.access('/dev/shm', os.W_OK):  # mmengine copies every base file to a temp dir: 3x faster in memory
        monkeypatch.setattr(tempfile, 'tempdir', '/dev/shm')
    for rel, m in models():
        path = osp.join(REPO, m['Config'])
        assert osp.isfile(path), f'{rel}: {m["Config"]}'
        cfg = Config.fromfile(path)
        assert 'model' in cfg, m['Config']


def test_model_names_are_unique_and_match_the_config():
    names = [m['Name'] for _, m in models()]
    assert len(names) == len(set(names))
    for _, m in models():
        assert m['Name'] == osp.splitext(osp.basename(m['Config']))[0]


def test_every_model_names_a_collection_of_its_metafile_with_a_readme():
    for rel in metafiles():
        data = load_yaml(rel)
        collections = {c['Name']: c for c in data['Collections']}
        for m in data['Models']:
            assert m['In Collection'] in collections, (rel, m['Name'])
        for c in collections.values():
            assert c['README'] == osp.join(osp.dirname(rel), 'README.md')
            readme = open(osp.join(REPO, c['README']), encoding='utf-8').read()
            if c.get('Paper'):  # the README cites the collection's paper
                assert c['Paper']['URL'] in readme, c['Name']
            assert '## Citation' in readme


def test_model_index_imports_every_metafile():
    index = load_yaml('model-index.yml')
    assert sorted(index['Import']) == metafiles()
    assert len(index['Import']) == len(set(index['Import']))


def test_paper_numbers_are_labelled_and_measured_ones_only_on_runs_made_here():
    measured = {}
    for rel, m in models():
        meta = m.get('Metadata') or {}
        for result in m.get('Results') or []:
            assert result['Task'] and result['Dataset']
            for metric, value in result['Metrics'].items():
                assert isinstance(value, (int, float)), (m['Name'], metric)
                if '(paper' in metric:
                    assert meta.get('Paper Result'), m['Name']
                else:
                    assert meta.get('Ours'), m['Name']
                    measured.setdefault(result['Dataset'], []).append(m['Name'])
    # nothing was trained here on CIFAR / ImageNet / CUB / VOC / COCO / ADE20K: every "ours" is Fashion-MNIST
    assert measured and all(d.startswith('Fashion-MNIST') for d in measured), measured
    demo = {m['Name']: m for _, m in models() if m['In Collection'] == 'Demo'}
    kd = demo['kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist']['Results'][0]['Metrics']['Top 1 Accuracy']
    with open(osp.join(REPO, 'README.md')) as f:  # the "ours" number is the README's measured one
        assert f'| Hinton KD (tau 4, CE 0.1 + KD 0.9) | ResNet-18 w1/4 | {kd:.2f} |' in f.read()


def test_model_zoo_check_passes_on_the_tree():
    r = run_check(REPO)
    assert r.returncode == 0, r.stderr
    assert 'match configs/' in r.stdout


@pytest.fixture
def tree_copy(tmp_path):
    """The files the generator reads and writes, copied: the real tree is never modified."""
    shutil.copy(osp.join(REPO, 'model-index.yml'), tmp_path)
    shutil.copytree(osp.join(REPO, 'configs'), tmp_path / 'configs')
    (tmp_path / 'docs').mkdir()
    shutil.copy(osp.join(REPO, 'docs', 'model_zoo.md'), tmp_path / 'docs')
    assert run_check(tmp_path).returncode == 0  # the copy itself is in step
    return tmp_path


def test_model_zoo_check_names_a_config_missing_from_the_metafiles(tree_copy):
    meta = tree_copy / 'configs' / 'kd' / 'metafile.yml'
    data = yaml.safe_load(meta.read_text())
    gone = data['Models'].pop(2)['Config']
    meta.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    r = run_check(tree_copy)
    assert r.returncode == 1
    assert f'{gone}: in no metafile' in r.stderr
    # a new config file that nobody added to a metafile
    new = 'configs/dml/dml_resnet8x4_resnet8x4_1xb64-240e_cifar100.py'
    shutil.copy(tree_copy / 'configs' / 'dml' / 'dml_resnet32x4_resnet8x4_1xb64-240e_cifar100.py', tree_copy / new)
    assert f'{new}: in no metafile' in run_check(tree_copy).stderr


def test_model_zoo_check_names_a_metafile_config_that_does_not_exist(tree_copy):
    (tree_copy / 'configs' / 'sskd' / 'sskd_vgg13_vgg8_1xb64-240e_cifar100.py').unlink()
    r = run_check(tree_copy)
    assert r.returncode == 1
    assert 'configs/sskd/metafile.yml: model sskd_vgg13_vgg8_1xb64-240e_cifar100: Config' in r.stderr
    assert 'configs/sskd/sskd_vgg13_vgg8_1xb64-240e_cifar100.py does not exist' in r.stderr


def test_model_zoo_check_names_stale_docs_an_unimported_metafile_and_an_unlabelled_number(tree_copy):
    zoo = tree_copy / 'docs' / 'model_zoo.md'
    zoo.write_text(zoo.read_text().replace('77.20 / 78.67*', '77.20 / 79.67*'))
    index = tree_copy / 'model-index.yml'
    index.write_text(index.read_text().replace('  - configs/css/metafile.yml\n', ''))
    meta = tree_copy / 'configs' / 'hssakd' / 'metafile.yml'
    meta.write_text(meta.read_text().replace('Top 1 Accuracy (paper): 77.2\n', 'Top 1 Accuracy: 77.2\n', 1))
    r = run_check(tree_copy)
    assert r.returncode == 1
    assert 'docs/model_zoo.md: stale' in r.stderr
    assert 'configs/css/metafile.yml: not imported by model-index.yml' in r.stderr
    assert 'configs/css/css_resnet56_resnet56_1xb128-300e_cifar100.py: in no metafile' in r.stderr
    assert 'Top 1 Accuracy 77.2 is not in its Metadata Ours text' in r.stderr


def test_model_zoo_writes_what_check_wants(tree_copy):
    readme = tree_copy / 'configs' / 'mixskd' / 'README.md'
    readme.write_text(readme.read_text().replace('| 80.32 (MixSKD T.1) |', '| 80.00 |'))
    (tree_copy / 'docs' / 'model_zoo.md').unlink()
    assert 'configs/mixskd/README.md: stale' in run_check(tree_copy).stderr
    r = subprocess.run([sys.executable, TOOL, '--root', str(tree_copy)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert run_check(tree_copy).returncode == 0
    zoo = (tree_copy / 'docs' / 'model_zoo.md').read_text()
    assert zoo == open(osp.join(REPO, 'docs', 'model_zoo.md'), encoding='utf-8').read()
    for config in trainable_configs():
        assert f'| `{config}` |' in zoo


def test_modelindex_loads_the_index_and_lists_every_model():
    from modelindex.load_model_index import load

    index = load(osp.join(REPO, 'model-index.yml'))
    # modelindex resolves a collection's README against the metafile's folder, but OpenMMLab metafiles (mmpretrain's
    # own, 84 times) give it from the repository root, as mim shows it: those READMEs must exist from the root, and
    # nothing else may be wrong
    readme_error = re.compile(
        r'^(configs/.+/metafile\.yml): Collections\[\d+\]: Path to README file (\S+) is not a valid file\.$'
    )
    errors = index.check(silent=True)
    for e in errors:
        m = readme_error.match(e)
        assert m and osp.isfile(osp.join(REPO, m.group(2))) and osp.dirname(m.group(1)) == osp.dirname(m.group(2)), e
    assert len(errors) == sum(len(load_yaml(rel)['Collections']) for rel in metafiles())
    names = {m.name for m in index.models}
    assert names == {osp.splitext(osp.basename(p))[0] for p in trainable_configs()}
    assert {c.name for c in index.collections} >= {'HSSAKD', 'SSKD', 'MixSKD', 'CSS', 'SSSD', 'KD', 'DML'}
    model = next(m for m in index.models if m.name == 'hssakd_wrn40-2_wrn16-2_1xb64-240e_cifar100')
    assert model.config == 'configs/hssakd/hssakd_wrn40-2_wrn16-2_1xb64-240e_cifar100.py'
    assert model.results[0].metrics['Top 1 Accuracy (paper)'] == pytest.approx(77.20)
    assert model.full_model.paper['URL'] == 'https://arxiv.org/abs/2109.03075'  # inherited from the collection
