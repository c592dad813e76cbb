"""One training run per work_dir at a time.

The lock is an ``fcntl.flock`` on ``<work_dir>/.mmkd-train.lock``; the kernel drops it when the holder
exits, however it exits, so a killed run never blocks the next one. The file also records the holder
(pid, host, start time, command) for the message a second run gets, and for the warning when a run
takes over the file of one that was killed.
"""

import errno
import fcntl
import json
import os
import os.path as osp
import socket
import sys
import time
import warnings
from typing import Optional

__all__ = ['LOCK_NAME', 'WorkDirLockedError', 'WorkDirLock', 'is_lock_rank']

LOCK_NAME = '.mmkd-train.lock'


class WorkDirLockedError(RuntimeError):
    """Another live run holds the work_dir."""


def is_lock_rank() -> bool:
    """Whether this process takes the lock: rank 0 of a distributed launch (any launcher), or a
    process that is not launched distributed at all."""
    for key in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK', 'LOCAL_RANK'):
        if os.environ.get(key) not in (None, ''):
            return int(os.environ[key]) == 0
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def describe_holder(info: dict) -> str:
    if not info:
        return 'a run that has not written its details yet'
    started = time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(info.get('time', 0)))
    return f"pid {info.get('pid')} on host {info.get('host')}, started {started}, command: {info.get('command')}"


class WorkDirLock:
    """Exclusive, crash-safe ownership of a work_dir for one training run.

    Args:
        work_dir (str): the run's work_dir (created if missing).
    """

    def __init__(self, work_dir: str):
        self.work_dir = work_dir
        self.path = osp.join(work_dir, LOCK_NAME)
        self._fd: Optional[int] = None

    def acquire(self) -> 'WorkDirLock':
        """Take the lock, or raise :class:`WorkDirLockedError` naming the holder."""
        os.makedirs(self.work_dir, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                os.close(fd)
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                raise WorkDirLockedError(self._busy_message(self._read(self.path))) from None
            try:
                same_file = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same_file = False
            if same_file:
                break
            os.close(fd)  # the holder released and removed the file between our open and flock
        previous = self._read_fd(fd)
        if previous:
            alive = previous.get('host') == socket.gethostname() and _pid_alive(int(previous.get('pid', -1)))
            state = 'no longer holds it' if alive else 'is not running'
            warnings.warn(
                f'Taking over the stale lock {self.path} of a run that {state} ({describe_holder(previous)}).',
                stacklevel=2,
            )
        info = dict(pid=os.getpid(), host=socket.gethostname(), time=time.time(), command=' '.join(sys.argv))
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        """Remove the lock file and drop the lock (a no-op when not held)."""
        if self._fd is None:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    def __enter__(self) -> 'WorkDirLock':
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def _busy_message(self, info: dict) -> str:
        return (
            f'work_dir {self.work_dir} is in use by another training run ({describe_holder(info)}). '
            f'Wait for it to finish, or pass another --work-dir; if that run is gone (for example on '
            f'another host that lost the file system), delete {self.path} and start again.'
        )

    @staticmethod
    def _read_fd(fd: int) -> dict:
        data = os.pread(fd, 1 << 16, 0)
        try:
            return json.loads(data) if data.strip() else {}
        except ValueError:
            return {'pid': '?', 'host': '?', 'command': f'unreadable lock contents {data[:80]!r}'}

    @classmethod
    def _read(cls, path: str) -> dict:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return {}
        try:
            return cls._read_fd(fd)
        finally:
            os.close(fd)
