"""Progress output for the long steps that run outside mmengine's runner.

Feature extraction, k-means, the linear probe and dataset preparation report through
:class:`ProgressReporter` (or :func:`track` around an iterable). What it prints depends on ``progress``:

* ``True`` / ``'auto'`` (the default): a live bar (``rich``) with count, elapsed time and ETA when
  ``stream`` is a terminal; otherwise sparse plain lines, one at the start and one per 10 % of the
  total (``desc: 30/100 img (30%), 4.1s elapsed, ETA 9.6s``), so logs and tests stay readable.
  The environment variable ``MMKD_PROGRESS`` (``bar``, ``lines`` or ``off``) overrides the choice.
* ``'bar'`` / ``'lines'``: that form, whatever ``stream`` is.
* ``False`` / ``None`` / ``'off'``: nothing at all (library callers that report on their own).

Output goes to ``stream``, ``sys.stderr`` by default (looked up when the reporter starts), so a
tool's stdout keeps only its results.
"""

import os
import sys
import time
from typing import Iterable, Optional, TextIO, Union

ProgressArg = Union[bool, str, None]
MODES = ('auto', 'bar', 'lines', 'off')
ENV = 'MMKD_PROGRESS'

__all__ = ['ProgressReporter', 'track', 'progress_mode', 'add_progress_argument', 'MODES']


def progress_mode(progress: ProgressArg = True, stream: Optional[TextIO] = None) -> str:
    """Resolve ``progress`` (see the module docstring) to ``'bar'``, ``'lines'`` or ``'off'``."""
    if progress is None or progress is False:
        return 'off'
    mode = 'auto' if progress is True else str(progress).lower()
    if mode not in MODES:
        raise ValueError(f'progress={progress!r}: choose True, False or one of {MODES}')
    if mode == 'auto':
        env = os.environ.get(ENV, '').strip().lower()
        if env in ('0', 'false', 'no', 'none'):
            env = 'off'
        if env and env != 'auto':
            if env not in MODES:
                raise ValueError(f'{ENV}={env!r}: choose one of {MODES}')
            return env
        stream = sys.stderr if stream is None else stream
        isatty = getattr(stream, 'isatty', None)
        try:
            return 'bar' if isatty is not None and isatty() else 'lines'
        except ValueError:  # a closed stream
            return 'lines'
    return mode


def _fmt_seconds(s: float) -> str:
    if s < 60:
        return f'{s:.1f}s'
    m, s = divmod(int(round(s)), 60)
    h, m = divmod(m, 60)
    return f'{h}:{m:02d}:{s:02d}' if h else f'{m}:{s:02d}'


class ProgressReporter:
    """Count ``total`` steps of a named task; see the module docstring for what is shown.

    Args:
        total (int, optional): the number of steps; ``None`` when unknown (then the plain form prints
            only the start and the end).
        desc (str): what is being done, e.g. ``'embed train'``.
        unit (str): what a step is, e.g. ``'img'``, ``'epoch'``.
        progress: ``True``/``'auto'``, ``'bar'``, ``'lines'`` or ``False``/``'off'``.
        stream: where to write; ``sys.stderr`` when None.
        every (float): the plain form prints each time another ``every`` of the total is done.

    Use it as a context manager, or call :meth:`close` when done.
    """

    def __init__(
        self,
        total: Optional[int],
        desc: str = '',
        unit: str = 'it',
        progress: ProgressArg = True,
        stream: Optional[TextIO] = None,
        every: float = 0.1,
    ):
        if total is not None and total < 0:
            raise ValueError(f'total must be >= 0, got {total}')
        if not 0 < every <= 1:
            raise ValueError(f'every must be in (0, 1], got {every}')
        self.total, self.desc, self.unit, self.every = total, desc, unit, every
        self.stream = sys.stderr if stream is None else stream
        self.mode = progress_mode(progress, self.stream)
        self.n = 0
        self.closed = False
        self._start = time.monotonic()
        self._milestone = 0  # multiples of ``every`` already printed
        self._printed_n = None
        self._bar = self._task = None
        if self.mode == 'bar':
            self._start_bar()
        elif self.mode == 'lines':
            self._line()

    # ------------------------------------------------------------------ output
    def _start_bar(self):
        import rich.progress as rp
        from rich.console import Console

        console = Console(file=self.stream, force_terminal=True if not self._isatty() else None)
        columns = [
            rp.TextColumn('{task.description}'),
            rp.BarColumn(),
            rp.MofNCompleteColumn(),
            rp.TextColumn(self.unit),
            rp.TimeElapsedColumn(),
            rp.TextColumn('ETA'),
            rp.TimeRemainingColumn(),
        ]
        self._bar = rp.Progress(*columns, console=console, transient=False)
        self._bar.start()
        self._task = self._bar.add_task(self.desc, total=self.total)

    def _isatty(self) -> bool:
        try:
            return bool(self.stream.isatty())
        except (AttributeError, ValueError):
            return False

    def _line(self, note: str = ''):
        elapsed = time.monotonic() - self._start
        text = f'{self.desc}: {self.n}' if self.desc else f'{self.n}'
        if self.total is not None:
            text += f'/{self.total} {self.unit}'
            if self.total:
                text += f' ({100 * self.n / self.total:.0f}%)'
        else:
            text += f' {self.unit}'
        if self.n:
            text += f', {_fmt_seconds(elapsed)} elapsed'
            if self.total and self.n < self.total:
                text += f', ETA {_fmt_seconds(elapsed / self.n * (self.total - self.n))}'
        if note:
            text += f' ({note})'
        print(text, file=self.stream, flush=True)
        self._printed_n = self.n

    # ------------------------------------------------------------------ counting
    def update(self, n: int = 1) -> None:
        """``n`` more steps are done."""
        self.update_to(self.n + n)

    def update_to(self, n: int) -> None:
        """``n`` steps in all are done."""
        if self.closed or n == self.n:
            return
        self.n = n
        if self.mode == 'bar':
            self._bar.update(self._task, completed=n)
        elif self.mode == 'lines' and self.total:
            milestone = int(n / self.total / self.every + 1e-9)
            if milestone > self._milestone:
                self._milestone = milestone
                self._line()

    def close(self, note: str = '') -> None:
        """Finish: the plain form prints a last line when the end was not printed yet (or with ``note``)."""
        if self.closed:
            return
        self.closed = True
        if self.mode == 'bar':
            if note:
                self._bar.update(self._task, description=f'{self.desc} ({note})')
            self._bar.stop()
        elif self.mode == 'lines' and (note or self._printed_n != self.n):
            self._line(note)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False


def track(
    iterable: Iterable,
    total: Optional[int] = None,
    desc: str = '',
    unit: str = 'it',
    progress: ProgressArg = True,
    stream: Optional[TextIO] = None,
    every: float = 0.1,
):
    """Yield from ``iterable``, counting one step per item (``total`` defaults to ``len(iterable)``)."""
    if total is None and hasattr(iterable, '__len__'):
        total = len(iterable)
    with ProgressReporter(total, desc, unit, progress, stream, every) as bar:
        for item in iterable:
            yield item
            bar.update()


def add_progress_argument(parser) -> None:
    """``--progress {auto,bar,lines,off}`` on a tool's ``argparse`` parser (default ``auto``)."""
    parser.add_argument(
        '--progress',
        choices=MODES,
        default='auto',
        help='progress output: a bar on a terminal and sparse lines otherwise (auto), '
        f'always a bar, always lines, or none; the environment variable {ENV} overrides auto',
    )
