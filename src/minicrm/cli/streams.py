"""Standard streams that were closed when minicrm started (``<&-``, ``>&-``, ``2>&-``, as
cron jobs and daemons sometimes leave them). Python makes such a stream None, and
``print(file=None)`` then writes to stdout, so with stderr closed the error messages
landed in the output; with stdin or stdout closed a command failed with an internal
error. :func:`guard` gives each closed descriptor /dev/null (so that no file opened
later takes its number, and a hook or editor started later inherits a valid one) and
the stream a stand-in:

- stdin: reading it is bad input, one line: "standard input is closed" (exit 2);
- stdout: writing to it is a closed pipe, so the command ends quietly with 141, as
  under ``| head -1``;
- stderr: messages are dropped, never written to stdout.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from typing import Any, NoReturn, TextIO, cast

from minicrm.core.errors import InvalidInput


def _closed_input() -> NoReturn:
    raise InvalidInput(
        "standard input is closed",
        hint="give the input through a pipe or < FILE",
    )


class ClosedInput(io.TextIOBase):
    """sys.stdin when file descriptor 0 was closed: any read is refused."""

    @property
    def buffer(self) -> Any:
        _closed_input()

    def read(self, size: int | None = -1) -> str:
        _closed_input()

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        _closed_input()

    def readable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return 0


class ClosedOutput(io.TextIOBase):
    """sys.stdout when file descriptor 1 was closed: a write is a closed pipe."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "standard output is closed")

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return 1


def _fd_closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def guard() -> None:
    """Give each standard stream that was closed at start-up /dev/null and a stand-in."""
    missing = {
        fd: name
        for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr"))
        if getattr(sys, name) is None
    }
    if not missing:
        return
    closed = [fd for fd in missing if _fd_closed(fd)]
    if closed:
        devnull = os.open(os.devnull, os.O_RDWR)  # takes the lowest closed number
        for fd in closed:
            if fd != devnull:
                os.dup2(devnull, fd)
            os.set_inheritable(fd, True)
        if devnull not in closed:
            os.close(devnull)
    if 0 in missing:
        sys.stdin = cast(TextIO, ClosedInput())
    if 1 in missing:
        sys.stdout = cast(TextIO, ClosedOutput())
    if 2 in missing:
        if 2 in closed:
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        else:  # the number was taken meanwhile: keep off it
            sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
