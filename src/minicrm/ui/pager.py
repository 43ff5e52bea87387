"""Long output at a terminal goes through the user's pager, the way git does.

A listing command calls :func:`start` when standard output is a terminal. Output is then
held until it passes one screen: a short result goes straight to the terminal (no pager
process at all); a long one starts the pager (``$MINICRM_PAGER``, else ``$PAGER``, else
``less``, with ``LESS=FRX`` unless ``$LESS`` is set, as git does), gives it what was held
and streams the rest to it as it is produced, so the first screen is drawn while later
rows are still being read. When the user quits the pager early, the next write fails with
a broken pipe and the command stops at once; the CLI ends it quietly with exit 0
(:func:`closed_early`). ``--no-pager``, or ``MINICRM_PAGER``/``PAGER`` set to ``cat`` or
to nothing, prints straight to the terminal.

The pager's pipe is written with ``os.write`` from our own buffer (not a Python file
object), so a pager that went away leaves nothing to flush at exit.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from typing import Any

FLUSH_BYTES = 1 << 16  # the pipe gets what was written once this much is waiting...
FLUSH_SECONDS = 0.05  # ...or this long after the last write to it
_SHELL = set("|&;<>()$`\\\"'*?[]#~=%{}")


class PagedOutput(io.TextIOBase):
    """``sys.stdout`` while a command's output may be paged: holds up to one screen,
    then starts the pager and streams to it."""

    def __init__(self, terminal: Any, command: str, rows: int, columns: int) -> None:
        super().__init__()
        self._terminal = terminal
        self._command = command
        self._rows = rows
        self._columns = max(columns, 1)
        self._held: list[str] = []
        self._used = 0  # screen rows the held text takes
        self._process: subprocess.Popen[bytes] | None = None
        self._fd = -1
        self._direct = False  # the pager could not start: straight to the terminal
        self._waiting: list[bytes] = []
        self._waiting_bytes = 0
        self._flushed_at = 0.0
        self.broken = False

    # -- what print() and the renderers use -------------------------------------------

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._terminal, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return getattr(self._terminal, "errors", None) or "strict"

    def isatty(self) -> bool:
        return True  # what is written here ends up on the terminal

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._terminal.fileno()

    def write(self, text: str) -> int:
        if self._process is not None:
            self._send(text)
            return len(text)
        if self._direct:
            self._terminal.write(text)
            return len(text)
        self._held.append(text)
        self._used += _screen_rows(text, self._columns)
        if self._used >= self._rows:
            self._open()
        return len(text)

    def flush(self) -> None:
        if self._process is not None:
            self._drain()
        else:
            self._terminal.flush()

    # -- the pager --------------------------------------------------------------------

    def release(self) -> None:
        """Show what is held on the terminal now, without the pager (before a prompt or
        a message on stderr, so that they come in order). Output stays held from here."""
        if self._process is None and self._held:
            self._terminal.write("".join(self._held))
            self._terminal.flush()
            self._held = []

    def _open(self) -> None:
        argv = _argv(self._command)
        env = dict(os.environ)
        env.setdefault("LESS", "FRX")
        env.setdefault("LV", "-c")
        try:
            self._terminal.flush()
            self._process = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
        except OSError:  # the pager cannot run: print straight to the terminal
            self._direct = True
            self.release()
            return
        assert self._process.stdin is not None
        self._fd = self._process.stdin.fileno()
        held, self._held = "".join(self._held), []
        self._send(held)
        self._drain()  # the first screen goes out now, not when a buffer fills

    def _send(self, text: str) -> None:
        data = text.encode(self.encoding, self.errors)
        self._waiting.append(data)
        self._waiting_bytes += len(data)
        now = time.monotonic()
        if self._waiting_bytes >= FLUSH_BYTES or now - self._flushed_at >= FLUSH_SECONDS:
            self._drain(now)

    def _drain(self, now: float | None = None) -> None:
        data = b"".join(self._waiting)
        self._waiting, self._waiting_bytes = [], 0
        self._flushed_at = time.monotonic() if now is None else now
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._fd, view)
            except BrokenPipeError:
                self.broken = True
                raise
            view = view[written:]

    def finish(self, *, rest: bool = True) -> None:
        """The command is done: show what is held, or let the pager have the rest (unless
        ``rest`` is False: after a Ctrl-C) and wait until the user leaves it."""
        if self._process is None:
            self.release()
            return
        if rest and not self.broken:
            with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
                self._drain()
        process, self._process = self._process, None
        try:
            assert process.stdin is not None
            process.stdin.close()
        except OSError:
            pass
        _wait(process)


def _screen_rows(text: str, columns: int) -> int:
    """Terminal rows ``text`` takes (its long lines wrap)."""
    from minicrm.ui.terminal import strip_styles  # lazy: start-up
    from minicrm.ui.text import text_width

    rows = 0
    for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
        size = text_width(strip_styles(line)) if not line.isascii() or "\x1b" in line else len(line)
        rows += max(1, -(-size // columns))
    return rows if text else 0


def _argv(command: str) -> list[str]:
    if set(command) & _SHELL:
        return ["/bin/sh", "-c", command]
    return shlex.split(command)


def _wait(process: subprocess.Popen[bytes]) -> None:
    """Wait for the pager; a Ctrl-C meant for it must not kill us first and leave it
    holding the terminal."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        process.wait()
        return
    try:
        process.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def command() -> str | None:
    """The pager to use: $MINICRM_PAGER, else $PAGER, else less; None for none (set to
    "cat" or to nothing, the program is not installed, or no pager is set and the
    terminal is dumb: Emacs' shell, which cannot run less)."""
    for name in ("MINICRM_PAGER", "PAGER"):
        value = os.environ.get(name)
        if value is not None:
            value = value.strip()
            return None if value in ("", "cat") else value
    if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return None
    return "less" if shutil.which("less") else None


_active: PagedOutput | None = None


def paging() -> bool:
    """Is a pager showing this command's output?"""
    return _active is not None and _active._process is not None


def start(*, enabled: bool = True) -> None:
    """Page this command's output if standard output is a terminal (and paging is on)."""
    global _active
    if _active is not None or not enabled:
        return
    try:
        if not sys.stdout.isatty():
            return
    except (AttributeError, ValueError):
        return
    pager = command()
    if pager is None:
        return
    from minicrm.ui.terminal import screen  # lazy: start-up

    scr = screen()
    _active = PagedOutput(sys.stdout, pager, scr.height - 1, scr.width)
    sys.stdout = _active


def release() -> None:
    """Show what is held now (before a prompt or a message): see PagedOutput.release."""
    if _active is not None:
        _active.release()


def finish(*, rest: bool = True) -> None:
    """Done: give the rest to the pager (unless ``rest`` is False) and wait for it, or
    print what is held."""
    global _active
    paged, _active = _active, None
    if paged is None:
        return
    sys.stdout = paged._terminal
    paged.finish(rest=rest)


def closed_early() -> bool:
    """Did the user quit the pager before the command was done? (Then it stopped at the
    broken pipe, and that is no error.)"""
    return _active is not None and _active.broken
