"""Runs the benchmark's processes and measures each: wall time, peak RSS, output bytes
and, at a terminal, when the first screen arrived. bench/run.py starts this as a small
server before it does anything else (``python bench/launch.py``: one JSON request per
line on stdin, one JSON result per line on stdout), so that every measured process is the
child of a small process: Linux carries a process's peak RSS across ``exec``, and a child
of the benchmark itself (which generates databases and reads results) would report the
benchmark's memory instead of its own. Only the standard library, imported up front."""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

SCREEN = (24, 80)  # rows, columns of the pty
FIRST_SCREEN_LINES = SCREEN[0] - 1


def _wait(process: subprocess.Popen, started: float) -> tuple[float, int, int]:
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, process.returncode


def run_piped(argv: list[str], env: dict[str, str], timeout: float) -> dict:
    """The command with its stdout a pipe that this process reads to the end."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, env=env
        )
        assert process.stdout is not None
        size = 0
        timed_out = False
        fd = process.stdout.fileno()
        while True:
            left = max(0.0, started + timeout - time.perf_counter())
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                process.kill()
                timed_out = True
                break
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            size += len(chunk)
        process.stdout.close()
        elapsed, rss, code = _wait(process, started)
        errors.seek(0)
        tail = errors.read()[-2000:].decode(errors="replace")
    return {
        "seconds": elapsed,
        "maxrss_kib": rss,
        "out_bytes": size,
        "first_screen_s": None,
        "timed_out": timed_out,
        "code": code,
        "tail": tail,
    }


def run_pty(argv: list[str], env: dict[str, str], timeout: float) -> dict:
    """The command with stdin, stdout and stderr a real pty (24x80), read until EOF; also
    when the first screen (23 lines) had arrived."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SCREEN[0], SCREEN[1], 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    size = lines = 0
    first = None
    timed_out = False
    tail = b""
    try:
        while True:
            left = max(0.0, started + timeout - time.perf_counter())
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                os.killpg(process.pid, signal.SIGKILL)
                timed_out = True
                break
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: every process holding the pty has closed it
                break
            if not chunk:
                break
            size += len(chunk)
            tail = (tail + chunk)[-2000:]
            if first is None:
                lines += chunk.count(b"\n")
                if lines >= FIRST_SCREEN_LINES:
                    first = time.perf_counter() - started
    finally:
        os.close(master)
    elapsed, rss, code = _wait(process, started)
    if first is None and not timed_out:
        first = elapsed  # it all fitted on one screen
    return {
        "seconds": elapsed,
        "maxrss_kib": rss,
        "out_bytes": size,
        "first_screen_s": first,
        "timed_out": timed_out,
        "code": code,
        "tail": tail.decode(errors="replace"),
    }


def serve() -> None:
    for request in sys.stdin:
        job = json.loads(request)
        runner = run_pty if job["mode"] == "pty" else run_piped
        result = runner(job["argv"], job["env"], job["timeout"])
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
