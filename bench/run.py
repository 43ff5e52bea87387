"""Time minicrm commands as whole processes, side by side with bare-Python references.

    python bench/generate.py --out bench/data/bench.db     # once (about 30 s)
    python bench/run.py                                     # about 2.5 minutes
    python bench/run.py --quick                             # smoke run on a 0.1 database
    python bench/run.py --runs 31 --json results.json --compare old.json
    python bench/run.py --only due,show

For each case, the minicrm command and its reference (bench/references.py: start Python,
``import sqlite3``, open the file, run the equivalent SQL, print the rows) run one after
the other, alternating which goes first, ``--runs`` times after ``--warmup`` unmeasured
runs; the table shows the medians, their ratio and the target ratio. Commands run with
MINICRM_DB pointing at the generated database, TZ=UTC, NO_COLOR=1 and stdout to
/dev/null, so minicrm writes its plain (non-Rich) output. The import case times
``minicrm import`` of a generated CSV (bench/import_csv.py) into a new database, each run
under a fresh parent process that reports the child's peak RSS (getrusage
RUSAGE_CHILDREN). Processes get a bytecode cache (PYTHONPYCACHEPREFIX=bench/data/pycache,
filled by the warm-up), as an installed package has; ``--no-pyc`` measures without one.
Not part of the unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3  # noqa: TID251 (a benchmark, not minicrm: it resets the digest log)
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
IMPORT_TIME_TARGET_S = 2.0
IMPORT_RSS_TARGET_MIB = 200.0

# Runs a command as its only child and reports the child's time and peak RSS: a fresh
# process per run, since RUSAGE_CHILDREN's ru_maxrss is the largest of all children ever
# waited for.
WRAPPER = """\
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rc": done.returncode,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stderr": done.stderr.decode(errors="replace")[-2000:]}))
"""


@dataclass
class Case:
    name: str
    command: list[str]  # minicrm arguments
    reference: str  # key of references.SCRIPTS
    reference_args: list[str]
    target: float | None  # ratio minicrm / reference to stay under; None: report only
    what: str
    minicrm_s: list[float] = field(default_factory=list)
    reference_s: list[float] = field(default_factory=list)
    before: Callable[[], None] | None = None  # called before the case runs, and after


def minicrm_command() -> list[str]:
    script = Path(sys.executable).parent / "minicrm"
    return [str(script)] if script.exists() else [sys.executable, "-m", "minicrm"]


def environment(db: Path, pyc: bool = True) -> dict[str, str]:
    """MINICRM_DB, TZ=UTC, NO_COLOR=1; with ``pyc``, bytecode is cached (as in any
    installed package) under bench/data/pycache, since the source tree gets none written
    there when PYTHONDONTWRITEBYTECODE is set; without it, every run compiles."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINICRM_")}
    env.update(MINICRM_DB=str(db), TZ="UTC", NO_COLOR="1")
    env.pop("PYTHONPYCACHEPREFIX", None)
    if pyc:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"failed (exit {done.returncode}): {' '.join(argv)[:200]}\n"
            f"{done.stderr.decode(errors='replace')[-2000:]}"
        )
    return elapsed


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
    return [
        Case(
            "startup",
            ["--version"],
            "pass",
            [],
            4.0,
            "`minicrm --version` vs `python -c pass`: interpreter, imports, command tree",
        ),
        Case(
            "due",
            ["due", *on],
            "due",
            [dbs, day],
            2.0,
            f"`minicrm due`: {manifest['due']:,} open follow-ups overdue or due today, "
            "with email, phone and last interaction of each contact",
        ),
        Case(
            "ls tag:vip",
            ["ls", "tag:vip", "--limit", "50"],
            "ls",
            [dbs, "vip", "50"],
            3.0,
            "`minicrm ls tag:vip --limit 50`: first 50 of the vip contacts by name",
        ),
        Case(
            "show",
            ["show", show_ref, *on],
            "show",
            [dbs, show_ref, day],
            3.0,
            f"`minicrm show {show_ref}`: card, open follow-ups, 5 latest interactions",
        ),
        Case(
            "search rare",
            ["search", rare],
            "search",
            [dbs, rare],
            2.0,
            f"`minicrm search {rare}`: a word in exactly one note",
        ),
        Case(
            "search common",
            ["search", common],
            "search",
            [dbs, common],
            None,
            f"`minicrm search {common}`: a word in about one interaction in five; top 20 contacts",
        ),
        Case(
            "digest",
            ["digest", *on],
            "digest",
            [dbs, day],
            None,
            "`minicrm digest`: due, next 7 days, stale contacts, dates (records a run)",
            before=lambda: clear_digest_log(db),
        ),
    ]


def time_case(case: Case, env: dict[str, str], runs: int, warmup: int) -> None:
    ours = [*minicrm_command(), *case.command]
    theirs = [sys.executable, "-c", references.SCRIPTS[case.reference], *case.reference_args]
    if case.before:
        case.before()
    for _ in range(warmup):
        run_once(ours, env)
        run_once(theirs, env)
    for i in range(runs):
        pair = ((ours, case.minicrm_s), (theirs, case.reference_s))
        for argv, into in pair if i % 2 == 0 else reversed(pair):
            into.append(run_once(argv, env))
    if case.before:
        case.before()


def wrapped(argv: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, env=env
    )
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"failed: {' '.join(argv)[:200]}\n{result['stderr']}")
    return result


def time_import(rows: int, runs: int, work: Path, pyc: bool) -> dict:
    """minicrm import of a `rows`-row CSV into a new database, against the reference."""
    from minicrm import open_store
    from minicrm.store.search import rebuild_sql

    source = work / f"contacts-{rows}.csv"
    if not source.exists():
        import_csv.generate(source, rows)
    template = work / "empty.db"
    if not template.exists():
        open_store(template).close()
    contact_index_sql = rebuild_sql()[0]
    target = work / "import.db"
    results: dict[str, list[dict]] = {"minicrm": [], "reference": []}
    commands = {
        "minicrm": [*minicrm_command(), "import", str(source)],
        "reference": [
            sys.executable,
            "-c",
            references.IMPORT,
            str(template),
            str(target),
            str(source),
            contact_index_sql,
        ],
    }
    env = environment(target, pyc)
    # warm up (bytecode cache, page cache) on a small file first, unmeasured
    small = work / "warmup.csv"
    import_csv.generate(small, 50)
    for who, argv in commands.items():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        wrapped(
            [*argv[:-1], str(small)] if who == "minicrm" else [*argv[:5], str(small), argv[6]], env
        )
    for i in range(runs):
        order = ("minicrm", "reference") if i % 2 == 0 else ("reference", "minicrm")
        for who in order:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            results[who].append(wrapped(commands[who], env))
    return {
        "rows": rows,
        "csv_bytes": source.stat().st_size,
        "minicrm_s": [r["seconds"] for r in results["minicrm"]],
        "reference_s": [r["seconds"] for r in results["reference"]],
        "minicrm_maxrss_mib": [r["maxrss_kib"] / 1024 for r in results["minicrm"]],
        "reference_maxrss_mib": [r["maxrss_kib"] / 1024 for r in results["reference"]],
    }


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
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
        "cpu": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "minicrm": minicrm.__version__,
        **versions,
    }


def row(case: str, ours: str, theirs: str, ratio: str, target: str, verdict: str) -> str:
    return f"{case:<16} {ours:>13} {theirs:>13} {ratio:>7} {target:>12}  {verdict}"


def table(results: dict) -> list[str]:
    lines = [row("case", "minicrm", "reference", "ratio", "target", "result")]
    lines.append("-" * len(lines[0]))
    for c in results["cases"]:
        ratio = c["minicrm_ms"] / c["reference_ms"]
        target = f"{c['target']:g}x" if c["target"] else "report"
        verdict = "" if not c["target"] else ("pass" if ratio <= c["target"] else "FAIL")
        lines.append(
            row(
                c["name"],
                f"{c['minicrm_ms']:,.0f} ms",
                f"{c['reference_ms']:,.0f} ms",
                f"{ratio:.1f}x",
                target,
                verdict,
            )
        )
    imp = results.get("import")
    if imp:
        ms, rs = statistics.median(imp["minicrm_s"]), statistics.median(imp["reference_s"])
        name = f"import {imp['rows'] // 1000}k"
        judged = imp["rows"] == 100_000
        lines.append(
            row(
                name,
                f"{ms * 1000:,.0f} ms",
                f"{rs * 1000:,.0f} ms",
                f"{ms / rs:.1f}x",
                f"< {IMPORT_TIME_TARGET_S:g} s" if judged else "report",
                ("pass" if ms < IMPORT_TIME_TARGET_S else "FAIL") if judged else "",
            )
        )
        mm, rm = max(imp["minicrm_maxrss_mib"]), max(imp["reference_maxrss_mib"])
        lines.append(
            row(
                f"{name} RSS",
                f"{mm:,.0f} MiB",
                f"{rm:,.0f} MiB",
                f"{mm / rm:.1f}x",
                f"< {IMPORT_RSS_TARGET_MIB:g} MiB" if judged else "report",
                ("pass" if mm < IMPORT_RSS_TARGET_MIB else "FAIL") if judged else "",
            )
        )
    return lines


def compare(results: dict, old_path: Path) -> list[str]:
    old = json.loads(old_path.read_text())
    before = {c["name"]: c for c in old.get("cases", [])}
    lines = [f"compared with {old_path} ({old.get('date', '?')}): minicrm medians"]
    for c in results["cases"]:
        if c["name"] in before:
            was = before[c["name"]]["minicrm_ms"]
            lines.append(
                f"  {c['name']:<16} {was:>9,.0f} ms -> {c['minicrm_ms']:>9,.0f} ms "
                f"({(c['minicrm_ms'] / was - 1) * 100:+.0f}%)"
            )
    if results.get("import") and old.get("import"):
        was = statistics.median(old["import"]["minicrm_s"])
        now = statistics.median(results["import"]["minicrm_s"])
        lines.append(
            f"  {'import':<16} {was:>9,.2f} s  -> {now:>9,.2f} s  ({(now / was - 1) * 100:+.0f}%)"
        )
    return lines


def ensure_database(db: Path, scale: float) -> dict:
    manifest_path = Path(f"{db}.json")
    if not db.exists() or not manifest_path.exists():
        print(f"{db} not found: generating it (--scale {scale:g})", flush=True)
        generate.main(["--out", str(db), "--scale", str(scale)])
        print()
    return json.loads(manifest_path.read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help=f"database to time (default {DEFAULT_DB})")
    parser.add_argument("--runs", type=int, help="measured runs per command (default 15)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs first")
    parser.add_argument("--import-rows", type=int, help="CSV rows to import (default 100,000)")
    parser.add_argument("--import-runs", type=int, help="runs of the import (default 3)")
    parser.add_argument("--only", help="comma-separated case names (e.g. due,show,import)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 0.1 scale, 3 runs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--compare", type=Path, help="a --json file of an earlier run")
    parser.add_argument(
        "--no-pyc",
        action="store_true",
        help="no bytecode cache: every process compiles what it imports",
    )
    parser.add_argument("--work", type=Path, help="folder for the import files (default tmp)")
    args = parser.parse_args(argv)
    quick = args.quick
    db = args.db or (QUICK_DB if quick else DEFAULT_DB)
    runs = args.runs or (3 if quick else 15)
    import_rows = args.import_rows or (10_000 if quick else 100_000)
    import_runs = args.import_runs or (1 if quick else 3)
    only = {n.strip() for n in args.only.split(",")} if args.only else None

    manifest = ensure_database(db, 0.1 if quick else 1.0)
    today = datetime.now(UTC).date().isoformat()
    on = [] if manifest["today"] == today else ["--on", manifest["today"]]
    env = environment(db, not args.no_pyc)
    info = machine()
    print(
        f"minicrm {info['minicrm']} on {info['cpus']} CPUs ({info['cpu'] or platform.machine()}), "
        f"Python {info['python']}, SQLite {info['sqlite']}, typer {info['typer']}"
    )
    counts = manifest["counts"]
    print(
        f"database {db} (seed {manifest['seed']}, {counts['contacts']:,} contacts, "
        f"{counts['interactions']:,} interactions, {counts['followups']:,} follow-ups, "
        f"day {manifest['today']}{'' if not on else ', run with --on'}); "
        f"{runs} runs + {args.warmup} warm-up, medians; bytecode cache "
        f"{'off (--no-pyc)' if args.no_pyc else 'on'}"
    )
    started = time.perf_counter()
    load = os.getloadavg()
    results: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": info,
        "database": {k: manifest[k] for k in ("seed", "scale", "today", "counts", "due")},
        "runs": runs,
        "warmup": args.warmup,
        "quick": quick,
        "bytecode_cache": not args.no_pyc,
        "cases": [],
    }
    for case in build_cases(db, manifest, on):
        if only and case.name not in only and case.name.split()[0] not in only:
            continue
        print(f"  {case.name}: {case.what}", flush=True)
        time_case(case, env, runs, args.warmup)
        results["cases"].append(
            {
                "name": case.name,
                "command": ["minicrm", *case.command],
                "reference": case.reference,
                "target": case.target,
                "what": case.what,
                "minicrm_ms": statistics.median(case.minicrm_s) * 1000,
                "reference_ms": statistics.median(case.reference_s) * 1000,
                "minicrm_min_ms": min(case.minicrm_s) * 1000,
                "reference_min_ms": min(case.reference_s) * 1000,
                "minicrm_runs_ms": [round(s * 1000, 2) for s in case.minicrm_s],
                "reference_runs_ms": [round(s * 1000, 2) for s in case.reference_s],
            }
        )
    if not only or "import" in only:
        print(
            f"  import: `minicrm import` of a {import_rows:,}-row CSV into a new database, "
            f"{import_runs} run(s)",
            flush=True,
        )
        work = args.work or Path(tempfile.mkdtemp(prefix="minicrm-bench-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            results["import"] = time_import(import_rows, import_runs, work, not args.no_pyc)
        finally:
            if not args.work:
                shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["loadavg"] = {"before": load, "after": os.getloadavg()}
    print()
    print("\n".join(table(results)))
    print(
        f"\n{results['seconds']:.0f} s; load average before {load[0]:.2f}, "
        f"after {results['loadavg']['after'][0]:.2f}"
    )
    if args.compare:
        print("\n".join(compare(results, args.compare)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
