"""setup.py declares the version ranges mmkd accepts at import (no exact pins), and the license it names."""

import ast
import os.path as osp

from conftest import REPO

from mmkd.utils.version_check import OPTIONAL, SUPPORTED


def setup_keywords() -> dict:
    tree = ast.parse(open(osp.join(REPO, 'setup.py')).read())
    call = next(
        node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, 'id', '') == 'setup'
    )
    found = {}
    for kw in call.keywords:
        if kw.arg == 'install_requires':
            found['install_requires'] = ast.literal_eval(kw.value)
        elif kw.arg == 'extras_require':  # every value but 'tests' (read from a file) is a literal list
            found['extras'] = {
                ast.literal_eval(k): ast.literal_eval(v)
                for k, v in zip(kw.value.keys, kw.value.values)
                if isinstance(v, ast.List)
            }
    return found


def test_install_requires_are_the_ranges_the_version_check_accepts():
    kw = setup_keywords()
    required, extras = kw['install_requires'], [r for reqs in kw['extras'].values() for r in reqs]
    assert not [r for r in required + extras if '==' in r], 'exact pins belong in requirements/, not setup.py'
    for pkg, (low, high) in SUPPORTED.items():
        assert f'{pkg}>={low},<{high}' in required, pkg
    for pkg, (low, high) in OPTIONAL.items():
        assert f'{pkg}>={low},<{high}' in extras, pkg


def test_the_license_file_is_the_one_setup_names():
    text = open(osp.join(REPO, 'LICENSE')).read()
    assert text.lstrip().startswith('Apache License') and 'Version 2.0' in text[:200]
    assert "license='Apache License 2.0'" in open(osp.join(REPO, 'setup.py')).read()
