"""Time and peak memory of importing a generated CSV of N contacts (default 100,000).

    python bench/import_csv.py [--rows 100000] [--keep DIR] [--format csv|vcard]

Generates a seeded, realistic CSV (names, emails, phones, companies, tags), then runs
`minicrm import` on it in a fresh database as a separate process, and prints the wall
time, the child's CPU time and its peak resident memory (ru_maxrss). With ``--format
vcard`` the same contacts are written as one vCard 3.0 file and imported from it, so the
two imports can be compared. Not part of the unit tests.
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


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def generate_vcards(csv_path: Path, path: Path) -> None:
    """The contacts of a CSV made by :func:`generate`, as vCard 3.0 cards (CRLF)."""
    with csv_path.open(newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    with path.open("w", newline="", encoding="utf-8") as handle:
        for row in rows:
            first, last = row["First Name"], row["Last Name"]
            lines = [
                "BEGIN:VCARD",
                "VERSION:3.0",
                f"FN:{_escape(f'{first} {last}')}",
                f"N:{_escape(last)};{_escape(first)};;;",
                f"EMAIL;TYPE=INTERNET:{row['Email']}",
                f"TEL;TYPE=CELL:{row['Phone']}",
                f"ORG:{_escape(row['Company'])}",
            ]
            if row["Job Title"]:
                lines.append(f"TITLE:{_escape(row['Job Title'])}")
            if row["Tags"]:
                lines.append("CATEGORIES:" + ",".join(_escape(t) for t in row["Tags"].split(",")))
            if row["Notes"]:
                lines.append(f"NOTE:{_escape(row['Notes'])}")
            lines.append("END:VCARD")
            handle.write("\r\n".join(lines) + "\r\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    parser.add_argument("--format", choices=("csv", "vcard"), default="csv")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="minicrm-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"contacts-{args.rows}.csv"
    if not source.exists():
        generate(source, args.rows)
    if args.format == "vcard":
        cards = folder / f"contacts-{args.rows}.vcf"
        if not cards.exists():
            generate_vcards(source, cards)
        source = cards
    db = folder / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = dict(os.environ, MINICRM_DB=str(db))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "minicrm", "import", str(source)], env=env, check=True)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    what = "CSV rows" if args.format == "csv" else "vCards"
    print(
        f"import of {args.rows:,} {what}: {elapsed:.2f} s (CPU {usage.ru_utime + usage.ru_stime:.2f} s), "
        f"peak RSS {usage.ru_maxrss / 1024:.0f} MiB "
        f"({source.stat().st_size / 1e6:.1f} MB file, database {db.stat().st_size / 1e6:.1f} MB)"
    )


if __name__ == "__main__":
    main()
