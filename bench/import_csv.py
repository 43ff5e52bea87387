"""Time and peak memory of importing a generated CSV of N contacts (default 100,000).

    python bench/import_csv.py [--rows 100000] [--keep DIR]

Generates a seeded, realistic CSV (names, emails, phones, companies, tags), then runs
`minicrm import` on it in a fresh database as a separate process, and prints the wall
time and the child's peak resident memory (ru_maxrss). Not part of the unit tests.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST = [
    "Ann",
    "Bob",
    "Chen",
    "Dana",
    "Eli",
    "Fatma",
    "Goran",
    "Hana",
    "Ivan",
    "Jae-won",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Zoë",
]
LAST = [
    "Lee",
    "Smith",
    "Okafor",
    "Müller",
    "García",
    "Kowalski",
    "Nguyen",
    "Rossi",
    "Sato",
    "Haddad",
    "Novak",
    "Silva",
    "Kim",
    "Brown",
    "Dubois",
    "Ivanova",
    "Patel",
    "Cohen",
]
COMPANIES = [
    f"{w} {s}"
    for w in ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay")
    for s in ("Ltd", "Inc", "GmbH", "Labs", "Group")
]
TAGS = ["vip", "lead", "customer", "partner", "conference-2026", "newsletter", "cold"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["First Name", "Last Name", "Email", "Phone", "Company", "Job Title", "Tags", "Notes"]
        )
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            writer.writerow(
                [
                    first,
                    last,
                    f"{first.lower()}.{last.lower()}.{i}@example.org".replace(" ", ""),
                    f"+1 555 {i:07d}",
                    rng.choice(COMPANIES),
                    rng.choice(["CEO", "CTO", "Buyer", ""]),
                    ",".join(rng.sample(TAGS, rng.randint(0, 2))),
                    "Met at the fair" if rng.random() < 0.1 else "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="minicrm-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"contacts-{args.rows}.csv"
    if not source.exists():
        generate(source, args.rows)
    db = folder / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = dict(os.environ, MINICRM_DB=str(db))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "minicrm", "import", str(source)], env=env, check=True)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"import of {args.rows:,} CSV rows: {elapsed:.2f} s, peak RSS {peak_kib / 1024:.0f} MiB "
        f"({source.stat().st_size / 1e6:.1f} MB file, database {db.stat().st_size / 1e6:.1f} MB)"
    )


if __name__ == "__main__":
    main()
