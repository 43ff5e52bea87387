"""Time minicrm commands as whole processes, side by side with bare-Python references,
piped, at a real terminal and as JSON, and report every target of issue 14 in one run.

    python bench/generate.py --out bench/data/bench.db     # once (about 45 s)
    python bench/run.py                                     # about 15 minutes on 2 cores
    python bench/run.py --quick                             # smoke run on a 0.1 database
    python bench/run.py --runs 21 --json results.json --compare old.json
    python bench/run.py --only due,show,startup             # some cases (by first word)
    python bench/run.py --khard bench/data/khard-venv/bin/khard   # with the khard cases

What is timed, and against what (docs/performance.md has the table):

- **start-up**: real commands through Typer against the floor of our stack:
  ``minicrm db path`` and ``minicrm --help`` against ``python -c "import typer"``;
  ``minicrm --version`` (answered before Typer is imported) against ``python -c pass``.
- **hot commands** (show, ls tag:vip, search): against their reference with ``import
  typer`` added, i.e. the same SQL and printing after the same unavoidable import.
- **lists and reports** (due, stale, ls, digest, stats, db check): against a bare
  reference (bench/references.py: start Python, ``import sqlite3``, the same SQL, print
  the rows). ``due``'s and ``stale``'s references read the same ``last_interaction_id``
  pointer minicrm reads and print byte-identical output: the run checks it before timing.
- every interactive case **at a real terminal** (a pty from the ``pty`` module, 24x80,
  ``TERM=xterm-256color``, NO_COLOR unset, ``PAGER``/``MINICRM_PAGER`` set to ``cat`` so
  that a pager passes the output through; the whole process is timed, reading the pty
  until EOF), against the same command piped: at most 2x the time and 1.5x the peak
  memory; for ``ls``, ``stale`` and ``due`` also the time until the first screen (23
  lines) arrived, against 2x the piped ``ls tag:vip --limit 50``;
- every interactive case **with --json** (report only);
- **completion**: a Tab press (``_MINICRM_COMPLETE=complete_bash`` with the line in
  ``COMP_LINE``, as minicrm's bash script asks) after a name's first letters, ``#12``,
  ``tag:`` and ``x@``, against ``import typer`` (the name case: at most 1.5x);
- **interchange**: ``export --format json`` against ``export --format csv`` (2x, and
  < 300 MiB), ``import`` of 100,000 CSV rows into a new database (< 2 s, < 200 MiB,
  beside the bare reference import), ``import`` of the same contacts as vCards against
  the CSV import (2x), and ``undo`` of the CSV import: the file afterwards may be larger
  than before the import by at most 1.15x what the history of the import and of its
  undo takes (table and indexes, by ``dbstat``).
- with ``--khard PATH``: khard 0.22 against minicrm on 20,000 contacts (bench/khard.py):
  list, show, email lookup, khard/minicrm >= 100x.

Every process is started by this script and waited for with ``os.wait4``, which gives
its own peak RSS. Piped output is read by this script (a real pipe, not /dev/null).
minicrm and its reference alternate (ABBA) after ``--warmup`` unmeasured runs; the
tables show medians. The machine's load (``/proc/loadavg``) before and after, and the
number of CPUs, are printed and written with the results: on a shared 2-core machine
differences under ~10% between runs mean nothing. Commands run with MINICRM_DB at the
database, MINICRM_CONFIG at a file that does not exist, TZ=UTC and (piped) NO_COLOR=1;
processes get a bytecode cache (PYTHONPYCACHEPREFIX=bench/data/pycache), as an installed
package has; ``--no-pyc`` measures without one. Not part of the unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import import_csv  # noqa: E402
import references  # noqa: E402

DEFAULT_DB = BENCH / "data" / "bench.db"
QUICK_DB = BENCH / "data" / "bench-quick.db"
PYCACHE = BENCH / "data" / "pycache"
KHARD = BENCH / "data" / "khard-venv" / "bin" / "khard"
TIMEOUT_S = 300.0  # a run still going after this is stopped and reported as such


# -- running one process (through bench/launch.py) --------------------------------------


@dataclass
class Sample:
    seconds: float
    maxrss_kib: int
    out_bytes: int
    first_screen_s: float | None = None
    timed_out: bool = False


class Launcher:
    """bench/launch.py, started before anything else: the parent of every measured process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH / "launch.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"},
        )

    def run(self, argv: list[str], env: dict[str, str], mode: str, timeout: float) -> Sample:
        assert self.process.stdin is not None and self.process.stdout is not None
        job = {"argv": argv, "env": env, "mode": mode, "timeout": timeout}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        result = json.loads(self.process.stdout.readline())
        if result["code"] != 0 and not result["timed_out"]:
            where = "at a terminal " if mode == "pty" else ""
            raise SystemExit(
                f"failed {where}(exit {result['code']}): {' '.join(argv)[:200]}\n{result['tail']}"
            )
        return Sample(
            result["seconds"],
            result["maxrss_kib"],
            result["out_bytes"],
            result["first_screen_s"],
            result["timed_out"],
        )

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()


LAUNCHER: Launcher | None = None


def run_piped(argv: list[str], env: dict[str, str], timeout: float = TIMEOUT_S) -> Sample:
    """The command with its stdout a pipe, read to the end."""
    assert LAUNCHER is not None
    return LAUNCHER.run(argv, env, "pipe", timeout)


def terminal_env(env: dict[str, str]) -> dict[str, str]:
    """The environment of a person at a terminal: colour allowed, a pager that passes the
    output through (so the whole process can be timed)."""
    result = {k: v for k, v in env.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    result.update(TERM="xterm-256color", PAGER="cat", MINICRM_PAGER="cat")
    return result


def run_pty(argv: list[str], env: dict[str, str], timeout: float = TIMEOUT_S) -> Sample:
    """The command at a real terminal (a 24x80 pty), read until EOF."""
    assert LAUNCHER is not None
    return LAUNCHER.run(argv, terminal_env(env), "pty", timeout)


# -- cases ------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    command: list[str]  # minicrm arguments
    reference: str | None  # key of references.SCRIPTS
    reference_args: list[str]
    target: float | None  # minicrm / reference to stay under; None: report only
    what: str
    limit_s: float | None = None  # also: minicrm's median must stay under this
    runs: int | None = None  # instead of --runs (slow cases)
    pty: bool = False  # also timed at a terminal
    first_screen: bool = False  # ... and its first screen judged against ls --limit 50
    json: list[str] | None = None  # the --json form's extra arguments
    identical: bool = False  # the reference's output must equal minicrm's, byte for byte
    before: Callable[[], None] | None = None  # before the case runs, and after
    env: dict[str, str] | None = None  # added to the environment (completion requests)


def minicrm_command() -> list[str]:
    script = Path(sys.executable).parent / "minicrm"
    return [str(script)] if script.exists() else [sys.executable, "-m", "minicrm"]


def environment(db: Path, pyc: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINICRM_")}
    env.update(
        MINICRM_DB=str(db),
        MINICRM_CONFIG=str(BENCH / "data" / "no-config.toml"),
        TZ="UTC",
        NO_COLOR="1",
    )
    env.pop("PYTHONPYCACHEPREFIX", None)
    if pyc:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def clear_digest_log(db: Path) -> None:
    """The digest appends a row to digest_runs per run; keep the fixture as generated."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM digest_runs")
    conn.close()


def build_cases(db: Path, manifest: dict, on: list[str]) -> list[Case]:
    day = manifest["today"]
    show_ref = manifest["show"]["ref"]
    rare = next(w for w, p in manifest["planted"].items() if p["where"] == "note")
    common = manifest["common_word"]
    dbs = str(db)
    counts = manifest["counts"]
    return [
        Case(
            "startup",
            ["db", "path"],
            "typer",
            [],
            1.2,
            "`minicrm db path` (a real command through Typer) vs `python -c 'import typer'`",
        ),
        Case("--help", ["--help"], "typer", [], 2.0, "`minicrm --help` vs `import typer`"),
        Case(
            "--version",
            ["--version"],
            "pass",
            [],
            4.0,
            "`minicrm --version` (answered before Typer) vs `python -c pass`",
        ),
        Case(
            "show",
            ["show", show_ref, *on],
            "show+typer",
            [dbs, show_ref, day],
            1.5,
            f"`minicrm show {show_ref}` vs its reference with `import typer`",
            pty=True,
            json=["--json"],
        ),
        Case(
            "ls tag:vip",
            ["ls", "tag:vip", "--limit", "50"],
            "ls+typer",
            [dbs, "vip", "50"],
            1.5,
            "`minicrm ls tag:vip --limit 50` vs its reference with `import typer`",
            pty=True,
            json=["--json"],
        ),
        Case(
            "search rare",
            ["search", rare],
            "search+typer",
            [dbs, rare],
            1.5,
            f"`minicrm search {rare}` (one note) vs its reference with `import typer`",
            pty=True,
            json=["--json"],
        ),
        Case(
            "search common",
            ["search", common],
            "search",
            [dbs, common],
            None,
            f"`minicrm search {common}`: one interaction in five; top 20 contacts",
            pty=True,
            json=["--json"],
        ),
        Case(
            "due",
            ["due", *on],
            "due",
            [dbs, day],
            2.0,
            f"`minicrm due`: {manifest['due']:,} follow-ups; reference reads the same "
            "pointer and prints the same bytes",
            pty=True,
            first_screen=True,
            json=["--json"],
            identical=True,
        ),
        Case(
            "next",
            ["next", *on],
            "due",
            [dbs, day],
            2.0,
            "`minicrm next`: every due follow-up, cadence, deal and date ranked, the first 10 "
            "shown; held to due's budget (2x due's reference)",
            pty=True,
            json=["--json"],
        ),
        Case(
            "stale",
            ["stale", *on],
            "stale",
            [dbs, day],
            2.0,
            "`minicrm stale`: every contact past its cadence, with reach; the reference "
            "prints the same bytes",
            runs=5,
            pty=True,
            first_screen=True,
            json=["--json"],
            identical=True,
        ),
        Case(
            "ls",
            ["ls"],
            "ls-all",
            [dbs],
            None,
            f"`minicrm ls`: all {counts['contacts']:,} contacts (piped: report)",
            runs=3,
            pty=True,
            first_screen=True,
            json=["--json"],
        ),
        Case(
            "digest",
            ["digest", *on],
            "digest",
            [dbs, day],
            None,
            "`minicrm digest` (text; records a run): under 1 s",
            limit_s=1.0,
            runs=5,
            pty=True,
            json=["--format", "json"],
            before=lambda: clear_digest_log(db),
        ),
        Case(
            "stats",
            ["stats", *on],
            "stats",
            [dbs, day],
            None,
            "`minicrm stats` (12 weeks): under 1 s",
            limit_s=1.0,
            runs=5,
            pty=True,
            json=["--json"],
        ),
        *completion_cases(manifest),
        Case(
            "db check",
            ["db", "check"],
            "db-check",
            [dbs],
            1.5,
            "`minicrm db check` vs integrity_check + foreign_key_check + FTS5 integrity-check",
            runs=3,
        ),
    ]


def completion_cases(manifest: dict) -> list[Case]:
    """A Tab press, as minicrm's bash script asks for it: the line in COMP_LINE. Against
    ``import typer``: what is left is building one command and a prefix query."""
    name = manifest["show"]["name"]
    cases = []
    for label, line in (
        ("complete name", f"minicrm show {name[:2]}"),
        ("complete #id", "minicrm show #12"),
        ("complete tag:", "minicrm ls tag:"),
        ("complete email", f"minicrm show {name[:1].lower()}@"),
    ):
        cases.append(
            Case(
                label,
                [],
                "typer",
                [],
                1.5 if label == "complete name" else None,
                f"Tab after `{line}` (bash, {manifest['counts']['contacts']:,} contacts) "
                "vs `import typer`",
                env={"_MINICRM_COMPLETE": "complete_bash", "COMP_LINE": line},
            )
        )
    return cases


def reference_argv(case: Case) -> list[str]:
    assert case.reference is not None
    key = case.reference.removesuffix("+typer")
    script = references.SCRIPTS[key]
    if case.reference.endswith("+typer"):
        script = "import typer\n" + script
    return [sys.executable, "-c", script, *case.reference_args]


def median(samples: list[Sample]) -> float:
    return statistics.median(s.seconds for s in samples)


def alternate(
    a: list[str], b: list[str], runner: Callable, env: dict, runs: int, warmup: int
) -> tuple[list[Sample], list[Sample]]:
    for _ in range(warmup):
        runner(a, env)
        runner(b, env)
    first: list[Sample] = []
    second: list[Sample] = []
    for i in range(runs):
        pair = ((a, first), (b, second))
        for argv, into in pair if i % 2 == 0 else reversed(pair):
            into.append(runner(argv, env))
    return first, second


def row(
    name: str,
    ours: float | None,
    theirs: float | None,
    target: str,
    passed: bool | None,
    unit: str = "ms",
    ratio: float | None = None,
) -> dict:
    if ratio is None and ours is not None and theirs:
        ratio = ours / theirs
    return {
        "name": name,
        "minicrm": ours,
        "reference": theirs,
        "unit": unit,
        "ratio": ratio,
        "target": target,
        "result": None if passed is None else ("pass" if passed else "FAIL"),
    }


def time_case(case: Case, env: dict[str, str], runs: int, warmup: int, ls50_ms: float) -> dict:
    ours = [*minicrm_command(), *case.command]
    env = {**env, **(case.env or {})}
    runs = min(runs, case.runs) if case.runs else runs
    warm = min(warmup, 1) if case.runs else warmup
    result: dict = {"name": case.name, "command": ["minicrm", *case.command], "what": case.what}
    rows = []
    if case.before:
        case.before()
    if case.identical:
        mine = subprocess.run(ours, capture_output=True, env=env).stdout
        theirs = subprocess.run(reference_argv(case), capture_output=True, env=env).stdout
        result["identical"] = mine == theirs
        if mine != theirs:
            print(
                f"    the reference's output differs from minicrm's ({len(theirs)} vs {len(mine)} bytes)"
            )
    if case.reference:
        a, b = alternate(ours, reference_argv(case), run_piped, env, runs, warm)
        ms, rs = median(a) * 1000, median(b) * 1000
        result["piped"] = {
            "minicrm_ms": [s.seconds * 1000 for s in a],
            "reference_ms": [s.seconds * 1000 for s in b],
            "minicrm_maxrss_mib": max(s.maxrss_kib for s in a) / 1024,
            "out_bytes": a[0].out_bytes,
        }
        if case.target:
            ok = ms / rs <= case.target and result.get("identical", True)
            rows.append(row(case.name, ms, rs, f"{case.target:g}x", ok))
        else:
            rows.append(row(case.name, ms, rs, "report", None))
        if case.limit_s:
            rows.append(
                row(
                    f"{case.name} time", ms, None, f"< {case.limit_s:g} s", ms < case.limit_s * 1000
                )
            )
    if case.json:
        samples = [run_piped([*ours, *case.json], env) for _ in range(runs)]
        jm = median(samples) * 1000
        result["json_ms"] = [s.seconds * 1000 for s in samples]
        rows.append(row(f"{case.name} --json", jm, rs if case.reference else None, "report", None))
    if case.pty:
        # a terminal run of a long listing takes minutes today (issue 14.1): once is enough
        slow = case.reference is not None and ms > 1000
        pty_runs = 1 if slow else max(1, min(runs, 5))
        if case.before:
            case.before()
        piped, at_tty = [], []
        for i in range(pty_runs):
            order = (0, 1) if i % 2 == 0 else (1, 0)
            for which in order:
                if which == 0:
                    piped.append(run_piped(ours, env))
                else:
                    at_tty.append(run_pty(ours, env))
        pm, tm = median(piped) * 1000, median(at_tty) * 1000
        timed_out = any(s.timed_out for s in at_tty)
        prss = max(s.maxrss_kib for s in piped) / 1024
        trss = max(s.maxrss_kib for s in at_tty) / 1024
        result["pty"] = {
            "seconds": [s.seconds for s in at_tty],
            "piped_seconds": [s.seconds for s in piped],
            "maxrss_mib": trss,
            "piped_maxrss_mib": prss,
            "first_screen_s": [s.first_screen_s for s in at_tty],
            "bytes": at_tty[0].out_bytes,
            "timed_out": timed_out,
        }
        label = f"> {TIMEOUT_S:g} s: " if timed_out else ""
        rows.append(
            row(f"{case.name} [pty]", tm, pm, f"{label}2x piped", tm / pm <= 2 and not timed_out)
        )
        rows.append(
            row(f"{case.name} [pty] RSS", trss, prss, "1.5x piped", trss / prss <= 1.5, unit="MiB")
        )
        if case.first_screen:
            firsts = [s.first_screen_s for s in at_tty if s.first_screen_s is not None]
            fm = statistics.median(firsts) * 1000 if firsts else float("inf")
            rows.append(
                row(
                    f"{case.name} [pty] 1st screen",
                    fm,
                    ls50_ms,
                    "2x ls --limit 50",
                    fm <= 2 * ls50_ms,
                )
            )
    if case.before:
        case.before()
    result["rows"] = rows
    return result


# -- interchange, undo, khard -----------------------------------------------------------


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def file_size(path: Path) -> int:
    return sum(
        Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )


def history_bytes(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = 'history' "
            "OR name LIKE 'idx_history%'"
        ).fetchone()[0]
    finally:
        conn.close()


def time_interchange(db: Path, rows: int, runs: int, work: Path, pyc: bool) -> list[dict]:
    """export json vs csv; import csv (vs the bare reference); import vcard vs csv; undo."""
    from minicrm import open_store
    from minicrm.db.searchindex import rebuild_sql

    out: list[dict] = []
    env = environment(db, pyc)
    mc = minicrm_command()
    # exports of the benchmark database
    exports = {fmt: work / f"export.{fmt}" for fmt in ("json", "csv")}
    argv = {fmt: [*mc, "export", "--format", fmt, "-o", str(path)] for fmt, path in exports.items()}
    print("  export: json vs csv of the whole database", flush=True)
    samples: dict[str, list[Sample]] = {"json": [], "csv": []}
    for i in range(runs):
        for fmt in ("json", "csv") if i % 2 == 0 else ("csv", "json"):
            exports[fmt].unlink(missing_ok=True)
            samples[fmt].append(run_piped(argv[fmt], env))
    jm, cm = median(samples["json"]) * 1000, median(samples["csv"]) * 1000
    jr = max(s.maxrss_kib for s in samples["json"]) / 1024
    out.append(
        {
            "name": "export json",
            "json_ms": [s.seconds * 1000 for s in samples["json"]],
            "csv_ms": [s.seconds * 1000 for s in samples["csv"]],
            "json_maxrss_mib": jr,
            "json_bytes": exports["json"].stat().st_size,
            "rows": [
                row("export json", jm, cm, "2x csv export", jm / cm <= 2),
                row("export json RSS", jr, None, "< 300 MiB", jr < 300, unit="MiB"),
            ],
        }
    )
    # imports into a new database: CSV (and its bare reference), then the same as vCards
    source = work / f"contacts-{rows}.csv"
    if not source.exists():
        import_csv.generate(source, rows)
    template = work / "empty.db"
    if not template.exists():
        open_store(template).close()
    target = work / "import.db"
    tenv = environment(target, pyc)
    vcards = work / f"contacts-{rows}.vcf"
    if not vcards.exists():
        print(f"  (writing {rows:,} vCards of the same contacts)", flush=True)
        _fresh(target)
        run_piped([*mc, "import", str(source)], tenv)
        run_piped([*mc, "export", "--format", "vcard", "-o", str(vcards)], tenv)
    commands = {
        "csv": [*mc, "import", str(source)],
        "reference": [
            sys.executable,
            "-c",
            references.IMPORT,
            str(template),
            str(target),
            str(source),
            rebuild_sql()[0],
        ],
        "vcard": [*mc, "import", str(vcards)],
    }
    print(f"  import: {rows:,} contacts into a new database, CSV, its reference, vCard", flush=True)
    got: dict[str, list[Sample]] = {k: [] for k in commands}
    for i in range(runs):
        order = list(commands) if i % 2 == 0 else list(reversed(commands))
        for who in order:
            _fresh(target)
            got[who].append(run_piped(commands[who], tenv, timeout=900))
    cm, rm, vm = (median(got[k]) * 1000 for k in ("csv", "reference", "vcard"))
    crss = max(s.maxrss_kib for s in got["csv"]) / 1024
    rrss = max(s.maxrss_kib for s in got["reference"]) / 1024
    judged = rows == 100_000
    out.append(
        {
            "name": "import",
            "rows": rows,
            "csv_ms": [s.seconds * 1000 for s in got["csv"]],
            "reference_ms": [s.seconds * 1000 for s in got["reference"]],
            "vcard_ms": [s.seconds * 1000 for s in got["vcard"]],
            "csv_maxrss_mib": crss,
            "vcard_maxrss_mib": max(s.maxrss_kib for s in got["vcard"]) / 1024,
        }
    )
    k = f"{rows // 1000}k"
    out[-1]["rows"] = [
        row(
            f"import csv {k}",
            cm,
            rm,
            "< 2 s" if judged else "report",
            cm < 2000 if judged else None,
        ),
        row(
            f"import csv {k} RSS",
            crss,
            rrss,
            "< 200 MiB" if judged else "report",
            crss < 200 if judged else None,
            unit="MiB",
        ),
        row(f"import vcard {k}", vm, cm, "2x csv import", vm / cm <= 2),
    ]
    # undo of the CSV import: its time, and what it leaves in the file
    print("  undo: of the CSV import, and the file it leaves", flush=True)
    undo_ms, growth, needed = [], [], []
    for _ in range(max(1, runs - 1)):
        _fresh(target)
        shutil.copyfile(template, target)
        empty = file_size(target)
        imported = run_piped(commands["csv"], tenv, timeout=900)
        undone = run_piped([*mc, "undo"], tenv, timeout=900)
        undo_ms.append(undone.seconds * 1000)
        growth.append(file_size(target) - empty)
        needed.append(history_bytes(target))
        import_ms = imported.seconds * 1000
    um = statistics.median(undo_ms)
    g, n = statistics.median(growth), statistics.median(needed)
    out.append(
        {
            "name": "undo import",
            "undo_ms": undo_ms,
            "growth_bytes": growth,
            "history_bytes": needed,
            "rows": [
                row(f"undo import {k}", um, import_ms, "report", None),
                row(
                    f"undo import {k} file",
                    g / 2**20,
                    n / 2**20,
                    "1.15x history",
                    g <= 1.15 * n,
                    unit="MiB",
                ),
            ],
        }
    )
    return out


def time_khard(khard: Path, contacts: int, runs: int, work: Path) -> dict:
    """bench/khard.py's comparison, judged: khard/minicrm >= 100x for each."""
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "khard.py"),
            "--khard",
            str(khard),
            "--contacts",
            str(contacts),
            "--runs",
            str(runs),
            "--keep",
            str(work),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench/khard.py failed:\n{done.stderr[-2000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    rows = []
    for name, (k, m) in data["cases"].items():
        ratio = k / m  # how many times faster minicrm is
        rows.append(
            row(
                f"khard {name} {contacts // 1000}k",
                m,
                k,
                "khard/minicrm >= 100x",
                ratio >= 100,
                ratio=ratio,
            )
        )
    # data["name"] is the contact khard.py looked up: keep it, under its own key
    cases = data["cases"]
    return {
        "name": "khard",
        "contacts": data["contacts"],
        "contact": data["name"],
        "cases": cases,
        "rows": rows,
    }


# -- the report -----------------------------------------------------------------------


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "MiB":
        return f"{value:,.0f} MiB"
    return f"{value:,.0f} ms" if value < 100_000 else f"{value / 1000:,.0f} s"


def line(name: str, ours: str, theirs: str, ratio: str, target: str, verdict: str) -> str:
    return f"{name:<26} {ours:>11} {theirs:>11} {ratio:>8}  {target:<22} {verdict}"


def table(results: dict) -> list[str]:
    lines = [line("case", "minicrm", "against", "ratio", "target", "result")]
    lines.append("-" * 92)
    for case in results["cases"]:
        for r in case["rows"]:
            ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}x"
            lines.append(
                line(
                    r["name"],
                    fmt(r["minicrm"], r["unit"]),
                    fmt(r["reference"], r["unit"]),
                    ratio,
                    r["target"],
                    r["result"] or "",
                )
            )
    judged = [r for c in results["cases"] for r in c["rows"] if r["result"]]
    failed = [r["name"] for r in judged if r["result"] == "FAIL"]
    lines.append("")
    lines.append(
        f"{len(judged) - len(failed)} of {len(judged)} targets met"
        + (f"; not met: {', '.join(failed)}" if failed else "")
    )
    return lines


def compare(results: dict, old_path: Path) -> list[str]:
    old = json.loads(old_path.read_text())
    before = {r["name"]: r for c in old.get("cases", []) for r in c.get("rows", [])}
    lines = [f"compared with {old_path} ({old.get('date', '?')}): minicrm medians"]
    for c in results["cases"]:
        for r in c["rows"]:
            was = before.get(r["name"], {}).get("minicrm")
            if was and r["minicrm"]:
                lines.append(
                    f"  {r['name']:<26} {was:>11,.0f} -> {r['minicrm']:>11,.0f} ({(r['minicrm'] / was - 1) * 100:+.0f}%)"
                )
    return lines


def machine() -> dict:
    model = ""
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import minicrm

    versions = {}
    for package in ("typer", "rich", "python-dateutil", "sqlite-utils"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:
            versions[package] = None
    return {
        "cpus": os.cpu_count(),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "minicrm": minicrm.__version__,
        **versions,
    }


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ensure_database(db: Path, scale: float) -> dict:
    manifest_path = Path(f"{db}.json")
    if not db.exists() or not manifest_path.exists():
        print(f"{db} not found: generating it (--scale {scale:g})", flush=True)
        generate.main(["--out", str(db), "--scale", str(scale)])
        print()
    return json.loads(manifest_path.read_text())


def main(argv: list[str] | None = None) -> None:
    global LAUNCHER
    LAUNCHER = Launcher()  # first, while this process is small (see bench/launch.py)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help=f"database to time (default {DEFAULT_DB})")
    parser.add_argument("--runs", type=int, help="measured runs per command (default 11)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs first")
    parser.add_argument("--import-rows", type=int, help="contacts to import (default 100,000)")
    parser.add_argument("--import-runs", type=int, help="runs of export/import/undo (default 2)")
    parser.add_argument("--only", help="comma-separated case names or first words")
    parser.add_argument("--quick", action="store_true", help="smoke run: 0.1 scale, 3 runs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--compare", type=Path, help="a --json file of an earlier run")
    parser.add_argument("--no-pyc", action="store_true", help="no bytecode cache")
    parser.add_argument("--work", type=Path, help="folder for the import files (default tmp)")
    parser.add_argument(
        "--khard", type=Path, help=f"khard to compare with (default {KHARD} if present)"
    )
    parser.add_argument("--khard-contacts", type=int, default=20_000)
    args = parser.parse_args(argv)
    quick = args.quick
    db = args.db or (QUICK_DB if quick else DEFAULT_DB)
    runs = args.runs or (3 if quick else 11)
    import_rows = args.import_rows or (10_000 if quick else 100_000)
    import_runs = args.import_runs or (1 if quick else 2)
    only = {n.strip() for n in args.only.split(",")} if args.only else None

    def wanted(name: str) -> bool:
        return not only or name in only or name.split()[0] in only

    manifest = ensure_database(db, 0.1 if quick else 1.0)
    today = datetime.now(UTC).date().isoformat()
    on = [] if manifest["today"] == today else ["--on", manifest["today"]]
    env = environment(db, not args.no_pyc)
    info = machine()
    counts = manifest["counts"]
    load_before = loadavg()
    print(
        f"minicrm {info['minicrm']} on {info['nproc']} of {info['cpus']} CPUs "
        f"({info['cpu'] or platform.machine()}), Python {info['python']}, SQLite {info['sqlite']}, "
        f"typer {info['typer']}; load {load_before}"
    )
    print(
        f"database {db} (seed {manifest['seed']}, {counts['contacts']:,} contacts, "
        f"{counts['interactions']:,} interactions, {counts['followups']:,} follow-ups, day "
        f"{manifest['today']}{'' if not on else ', run with --on'}); {runs} runs + "
        f"{args.warmup} warm-up, medians; bytecode cache {'off' if args.no_pyc else 'on'}"
    )
    started = time.perf_counter()
    results: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": info,
        "database": {k: manifest[k] for k in ("seed", "scale", "today", "counts", "due")},
        "runs": runs,
        "warmup": args.warmup,
        "quick": quick,
        "bytecode_cache": not args.no_pyc,
        "loadavg_before": load_before,
        "cases": [],
    }
    # the first-screen yardstick: `ls tag:vip --limit 50`, piped
    ls50 = [*minicrm_command(), "ls", "tag:vip", "--limit", "50"]
    run_piped(ls50, env)
    ls50_ms = (
        statistics.median(run_piped(ls50, env).seconds for _ in range(max(3, runs // 2))) * 1000
    )
    for case in build_cases(db, manifest, on):
        if not wanted(case.name):
            continue
        print(f"  {case.name}: {case.what}", flush=True)
        results["cases"].append(time_case(case, env, runs, args.warmup, ls50_ms))
    if wanted("export") or wanted("import") or wanted("undo"):
        work = args.work or Path(tempfile.mkdtemp(prefix="minicrm-bench-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            results["cases"].extend(
                time_interchange(db, import_rows, import_runs, work, not args.no_pyc)
            )
        finally:
            if not args.work:
                shutil.rmtree(work, ignore_errors=True)
    khard = args.khard or (KHARD if KHARD.exists() else None)
    if khard and wanted("khard"):
        print(f"  khard: {khard} against minicrm on {args.khard_contacts:,} contacts", flush=True)
        work = Path(tempfile.mkdtemp(prefix="minicrm-khard-"))
        try:
            results["cases"].append(time_khard(khard, args.khard_contacts, 3, work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["loadavg_after"] = loadavg()
    print()
    print("\n".join(table(results)))
    print(
        f"\n{results['seconds']:.0f} s on {info['nproc']} CPUs; /proc/loadavg before "
        f"{load_before}, after {results['loadavg_after']}"
    )
    if args.compare:
        print("\n".join(compare(results, args.compare)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(f"results written to {args.json}")
    LAUNCHER.close()


if __name__ == "__main__":
    main()
