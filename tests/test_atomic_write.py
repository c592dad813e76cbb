import os
import stat

import pytest

from mmkd.utils.atomic_write import atomic_write


def test_complete_write_replaces_the_file_with_the_mode_open_gives(tmp_path):
    path = tmp_path / 'sub' / 'out.json'
    with atomic_write(str(path)) as f:
        f.write('new')
    assert path.read_text() == 'new'
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert os.listdir(path.parent) == ['out.json']


@pytest.mark.parametrize('fail', ['inside', 'check'])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, fail):
    path = tmp_path / 'out.bin'
    path.write_bytes(b'old')

    def check(tmp):
        assert open(tmp, 'rb').read() == b'half'
        raise ValueError('bad file')

    with pytest.raises((RuntimeError, ValueError)):
        with atomic_write(str(path), 'wb', check=check if fail == 'check' else None) as f:
            f.write(b'half')
            if fail == 'inside':
                raise RuntimeError('killed')
    assert path.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['out.bin']
