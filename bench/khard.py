"""minicrm against khard on the same address book: list, show and email lookup.

    python bench/khard.py [--contacts 20000] [--khard khard] [--runs 3] [--keep DIR]

Builds one address book of N contacts (the seeded generator of ``import_csv.py``),
imports it into a fresh minicrm database, and writes the same contacts as a vdir
(``minicrm export -f vcard --vdir``: one .vcf file per contact, what khard reads). Then
times whole processes of each tool, alternating, and prints the medians and the ratio:

- list:   ``khard list``                 vs ``minicrm ls`` (every contact, piped)
- show:   ``khard show --format yaml X`` vs ``minicrm show X`` (one contact by name)
- email:  ``khard email X``              vs ``minicrm ls email:X``

khard is not a dependency of minicrm: install it anywhere (``pip install khard`` in its
own virtual environment) and pass its path with ``--khard``. Not part of the unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_csv import generate


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-500:]!r}")
    if not done.stdout.strip():
        raise SystemExit(f"{' '.join(cmd)} printed nothing")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--khard", default="khard", help="the khard command (default: on PATH)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    parser.add_argument("--json", action="store_true", help="last line: the medians as JSON")
    args = parser.parse_args()

    script = Path(sys.executable).parent / "minicrm"  # this environment's minicrm
    minicrm = [str(script)] if script.exists() else ["minicrm"]
    work = args.keep or Path(tempfile.mkdtemp(prefix="minicrm-khard-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MINICRM_DB": str(work / "bench.db"), "NO_COLOR": "1", "TZ": "UTC"}
    env["MINICRM_CONFIG"] = str(work / "minicrm.toml")
    # a bytecode cache, as an installed program has (see run.py: without it every run
    # compiles minicrm's modules again, +25-40 ms)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    source = work / f"contacts-{args.contacts}.csv"
    vdir = work / "vdir"
    if not (work / "bench.db").exists():
        generate(source, args.contacts)
        subprocess.run([*minicrm, "import", str(source)], env=env, check=True)
    if not vdir.exists():
        subprocess.run(
            [*minicrm, "export", "-f", "vcard", "--vdir", str(vdir)], env=env, check=True
        )
    config = work / "khard.conf"
    config.write_text(
        f"[addressbooks]\n[[bench]]\npath = {vdir}\n\n[general]\neditor = true\n"
        "merge_editor = true\n\n[contact table]\nshow_uids = no\n",
        encoding="utf-8",
    )
    # One contact with a unique name and email, so that show and email find one person.
    picked = subprocess.run(
        [*minicrm, "ls", "--json", "--limit", "1", "--sort", "created"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    first = json.loads(picked)[0]
    name, email = first["name"], first["emails"][0]["value"]
    khard = [args.khard, "-c", str(config)]
    cases = {
        "list": ([*khard, "list"], [*minicrm, "ls"]),
        "show": ([*khard, "show", "--format", "yaml", email], [*minicrm, "show", email]),
        "email": ([*khard, "email", email], [*minicrm, "ls", f"email:{email}"]),
    }
    print(f"{args.contacts:,} contacts; show/email of {name} <{email}>; {args.runs} runs each")
    print(f"{'case':8} {'khard':>10} {'minicrm':>10} {'khard/minicrm':>14}")
    medians = {}
    for label, (theirs, ours) in cases.items():
        timed(ours, env)  # warm the caches
        a, b = [], []
        for i in range(args.runs):  # alternating which goes first
            for who, into in ((theirs, a), (ours, b)) if i % 2 == 0 else ((ours, b), (theirs, a)):
                into.append(timed(who, env))
        ka, mb = statistics.median(a), statistics.median(b)
        medians[label] = (ka * 1000, mb * 1000)
        print(f"{label:8} {ka * 1000:8.0f} ms {mb * 1000:7.0f} ms {ka / mb:13.0f}x", flush=True)
    if args.json:
        print(json.dumps({"contacts": args.contacts, "name": name, "cases": medians}))


if __name__ == "__main__":
    main()
