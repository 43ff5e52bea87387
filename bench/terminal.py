"""Time commands at a terminal against the same commands piped (issue 14.1).

    python bench/terminal.py                       # the default cases, 9 rounds
    python bench/terminal.py -n 5 "ls" "due --on 2026-12-02"

On the benchmark database ($MINICRM_DB, default bench/data/bench.db), each round runs each
case three ways, one after the other so that the machine's load hits them alike:

- piped: stdout a pipe (what bench/run.py times);
- tty: in a real pseudo-terminal of 120x40, no pager (MINICRM_PAGER=cat): the whole
  terminal path, every row drawn;
- less: in the same terminal through `less` (LESS=FRX), "q" typed as soon as the first
  screen (30 lines) is there: what a person at a terminal waits for.

Reported: medians of wall time (to exit; for tty and less also to the first screen) and of
max RSS (`/usr/bin/time -v`). Targets: the first screen of ls, stale and due within 2x the
piped time of `ls --limit 50`; every terminal path within 2x its piped time and 1.5x its
memory.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ["ls --limit 50", "ls", "due --on 2026-12-02", "stale --on 2026-12-02"]
MINICRM = [sys.executable, "-m", "minicrm"]
FIRST_SCREEN = 30  # lines


def _rss(path: str) -> float:
    text = Path(path).read_text()
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024


def in_pty(argv: list[str], env: dict[str, str], quit_after_first: bool) -> tuple[float, float]:
    """(seconds to the first screen, seconds to exit) in a 120x40 pseudo-terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    start = time.monotonic()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    lines, first, typed = 0, None, False
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:
            break
        if not chunk:
            break
        lines += chunk.count(b"\n")
        if first is None and lines >= FIRST_SCREEN:
            first = time.monotonic() - start
            if quit_after_first and not typed:
                os.write(master, b"q")
                typed = True
    process.wait()
    total = time.monotonic() - start
    os.close(master)
    return (first if first is not None else total), total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=9)
    parser.add_argument("cases", nargs="*", default=CASES)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.setdefault("MINICRM_DB", str(ROOT / "bench" / "data" / "bench.db"))
    env.update(COLUMNS="120", LINES="40", TERM="xterm-256color")
    env.pop("LESS", None)
    handle, timing = tempfile.mkstemp(suffix=".time")
    os.close(handle)
    timed = ["/usr/bin/time", "-v", "-o", timing, *MINICRM]
    print(f"{'case':30} {'rows':>7}  {'piped':>15}  {'tty (no pager)':>32}  {'less':>20}")
    got: dict[str, dict[str, list[float]]] = {case: {} for case in args.cases}
    rows: dict[str, int] = {}
    for _ in range(args.rounds):  # each round runs every case: a load spike hits them alike
        for case in args.cases:
            argv, into = case.split(), got[case]
            start = time.monotonic()
            done = subprocess.run(
                [*timed, *argv],
                env={**env, "MINICRM_PAGER": "cat"},
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            into.setdefault("piped", []).append(time.monotonic() - start)
            into.setdefault("piped_rss", []).append(_rss(timing))
            rows[case] = done.stdout.count(b"\n")
            first, total = in_pty([*timed, *argv], {**env, "MINICRM_PAGER": "cat"}, False)
            into.setdefault("tty_first", []).append(first)
            into.setdefault("tty", []).append(total)
            into.setdefault("tty_rss", []).append(_rss(timing))
            first, total = in_pty([*MINICRM, *argv], {**env, "MINICRM_PAGER": "less"}, True)
            into.setdefault("less_first", []).append(first)
            into.setdefault("less", []).append(total)
    for case in args.cases:
        m = {key: statistics.median(values) for key, values in got[case].items()}
        print(
            f"{case:30} {rows[case]:>7}  {m['piped']:6.3f} s {m['piped_rss']:4.0f} MiB  "
            f"{m['tty']:6.3f} s ({m['tty'] / m['piped']:.2f}x) {m['tty_rss']:4.0f} MiB "
            f"({m['tty_rss'] / m['piped_rss']:.2f}x)  "
            f"first {m['less_first']:.3f} s, quit {m['less']:.3f} s"
        )
    os.unlink(timing)
    return 0


if __name__ == "__main__":
    sys.exit(main())
