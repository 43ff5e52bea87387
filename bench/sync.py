"""The no-change sync: `minicrm sync contacts DIR` of 5,000 contacts when nothing changed
on either side, against `minicrm export --format vcard --vdir DIR` of the same contacts
(issue 17, point 8). Whole processes, medians, alternated (ABBA) after a warm-up.

    python bench/sync.py                 # 5,000 contacts, 11 runs each
    python bench/sync.py --contacts 20000 --runs 7

It also checks what the no-change sync read: the report must say 0 files and 0 contacts
read (a file whose etag did not move is only stat()ed; a contact history does not name
is not loaded). docs/performance.md has the figures. Not part of the unit tests.
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

MINICRM = [sys.executable, "-m", "minicrm"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minicrm-bench-sync-") as tmp:
        root = Path(tmp)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MINICRM_")},
            "MINICRM_DB": str(root / "bench.db"),
            "MINICRM_CONFIG": str(root / "none.toml"),
            "TZ": "UTC",
            "NO_COLOR": "1",
        }
        rows = ["Name,E-mail,Phone,Company,Tags,Title"]
        for i in range(args.contacts):
            rows.append(
                f"Person {i},p{i}@bench.example,+1 555 {i:07d},Co {i % 97},"
                f'"{"vip," if i % 7 == 0 else ""}client",Title {i % 13}'
            )
        source = root / "people.csv"
        source.write_text("\n".join(rows) + "\n", encoding="utf-8")
        subprocess.run([*MINICRM, "import", str(source)], env=env, check=True, capture_output=True)
        folder, exported = root / "vdir", root / "exported"
        first, _ = timed([*MINICRM, "sync", "contacts", str(folder), "--json"], env)
        sync_cmd = [*MINICRM, "sync", "contacts", str(folder), "--json"]
        export_cmd = [*MINICRM, "export", "--format", "vcard", "--vdir", str(exported)]
        for _ in range(2):  # warm-up
            timed(sync_cmd, env)
            timed(export_cmd, env)
        syncs: list[float] = []
        exports: list[float] = []
        report: dict = {}
        for n in range(args.runs):
            order = [(sync_cmd, syncs), (export_cmd, exports)]
            for argv, into in order if n % 2 == 0 else reversed(order):
                seconds, out = timed(argv, env)
                into.append(seconds)
                if argv is sync_cmd:
                    report = json.loads(out)
        assert report["changes"] == [] and report["items"] == args.contacts, report
        assert report["files_read"] == 0 and report["records_read"] == 0, report
        s, e = statistics.median(syncs), statistics.median(exports)
        load = os.getloadavg()[0]
        print(
            f"contacts: {args.contacts}, runs: {args.runs}, load: {load:.1f}, cpus: {os.cpu_count()}"
        )
        print(f"first sync (writes every file):        {first:7.3f} s")
        print(f"no-change sync (median):               {s:7.3f} s  (files read 0, contacts read 0)")
        print(f"export --format vcard --vdir (median): {e:7.3f} s")
        print(f"ratio sync / export:                   {s / e:7.2f}")


if __name__ == "__main__":
    main()
