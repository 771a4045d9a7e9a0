"""Output into a pipe whose reader goes away (``listwatch history nml | head -1``).

When the reader closes the pipe, further output is discarded instead of raising
``BrokenPipeError``: the command runs to its end (a ``check`` still stores and
alerts) and exits with the code it would have had, quietly. Only pipes and
sockets are wrapped; a terminal or a file never breaks this way.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
from collections.abc import Iterator


class _DiscardWhenClosed(io.RawIOBase):
    """Writes to ``fd``; once the reader is gone, points ``fd`` at /dev/null and
    swallows the rest (so Python's exit-time flush has nothing to complain about)."""

    def __init__(self, fd: int):
        super().__init__()
        self.fd = fd
        self.reader_gone = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def write(self, data) -> int:
        size = len(memoryview(data))
        if not self.reader_gone:
            try:
                return os.write(self.fd, data)
            except BrokenPipeError:
                self.reader_gone = True
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.fd)
                os.close(devnull)
        return size


def _is_pipe(stream) -> bool:
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _wrap(stream, line_buffering: bool):
    stream.flush()
    return io.TextIOWrapper(io.BufferedWriter(_DiscardWhenClosed(stream.fileno())),
                            encoding=stream.encoding, errors=stream.errors,
                            line_buffering=line_buffering)


@contextlib.contextmanager
def quiet_when_reader_leaves() -> Iterator[None]:
    """Within the block, stdout and stderr that are pipes discard output once closed."""
    saved = sys.stdout, sys.stderr
    if _is_pipe(sys.stdout):
        sys.stdout = _wrap(sys.stdout, sys.stdout.line_buffering)
    if _is_pipe(sys.stderr):
        sys.stderr = _wrap(sys.stderr, True)
    try:
        yield
    finally:
        for wrapped, original in zip((sys.stdout, sys.stderr), saved):
            if wrapped is not original:
                with contextlib.suppress(OSError, ValueError):
                    wrapped.flush()
        sys.stdout, sys.stderr = saved
