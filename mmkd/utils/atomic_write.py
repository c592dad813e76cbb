"""Write a file so that no reader ever sees it half-written."""

import contextlib
import os
import os.path as osp
import tempfile
from typing import IO, Callable, Iterator, Optional


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'w', check: Optional[Callable[[str], None]] = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on a clean exit it is synced and renamed over ``path``.

    The file gets the mode a plain ``open`` would give it (``0o666 & ~umask``). On an exception, or
    when ``check`` raises, the temporary file is removed and ``path`` is left as it was.

    Args:
        path (str): the file to write; its folder is created.
        mode (str): ``'w'`` (text) or ``'wb'``. Defaults to ``'w'``.
        check (callable, optional): called with the temporary file's path once it is complete,
            before it replaces ``path`` (e.g. to load it back).
    """
    out_dir = osp.dirname(osp.abspath(path))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
