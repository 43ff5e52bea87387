"""What the real sync partners cost, to size the CI tests of the sync work (docs/interop.md,
"Timings").

    python bench/interop_timings.py [--cards 10,1000] [--runs 3]

Needs the test extras (``pip install -e '.[test]'``): it drives Radicale, vdirsyncer and
khard through tests/clients.py, exactly as the tests do, on 127.0.0.1. For each size it
times, as whole processes:

- Radicale: from spawn to ready (its log says it listens and the port accepts);
- laptop -> server: the first ``vdirsyncer sync`` that uploads N new cards;
- server -> phone: the first ``vdirsyncer sync`` on a second device that downloads them;
- no change: ``vdirsyncer sync`` again on the laptop when nothing changed;
- one change: ``vdirsyncer sync`` after one card was edited;
- ``khard list`` of the N cards (``khard list --parsable``).

Medians of ``--runs`` fresh runs (a new server and new folders each time). Not part of
the unit tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from clients import Device, RadicaleServer, vcard


def card(i: int) -> str:
    return vcard(
        f"bench-{i:06d}",
        f"Person {i} Example",
        f"N:Example;Person {i};;;",
        f"EMAIL;TYPE=WORK:person{i}@example.org",
        f"TEL;TYPE=CELL:+49 30 {i:07d}",
        "ORG:Example GmbH",
        "TITLE:Buyer",
        f"NOTE:Met at the fair in {2000 + i % 26}\\, talked about the renewal.",
        "CATEGORIES:customer,fair",
    )


def once(root: Path, n: int, storage: Path | None) -> dict[str, float]:
    options = {"storage": {"filesystem_folder": str(storage / root.name)}} if storage else {}
    server = RadicaleServer(root / "radicale", **options)
    server.start()
    try:
        account = server.account("bench")
        laptop = Device(root / "laptop", account, "laptop")
        phone = Device(root / "phone", account, "phone")
        for device in (laptop, phone):
            device.add("contacts", "carddav")
            device.discover()
        for i in range(n):
            laptop.write_item("contacts", f"bench-{i:06d}.vcf", card(i))
        timings = {"radicale ready": server.started_in}
        timings["upload (laptop sync)"] = laptop.sync("contacts").seconds
        timings["download (phone sync)"] = phone.sync("contacts").seconds
        assert len(phone.items("contacts")) == n
        timings["no change (laptop sync)"] = laptop.sync("contacts").seconds
        laptop.write_item("contacts", "bench-000000.vcf", card(0).replace("Buyer", "Head"))
        timings["one change (laptop sync)"] = laptop.sync("contacts").seconds
        listed = phone.khard("list", "--parsable")
        assert len(listed.stdout.splitlines()) == n
        timings["khard list (phone)"] = listed.seconds
        return timings
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", default="10,1000", help="sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--storage",
        type=Path,
        help="Radicale's storage folder (default: beside the vdirs; /dev/shm to take the disk out)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.cards.split(",")]
    results: dict[int, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="minicrm-interop-") as tmp:
        for run in range(args.runs):
            for n in sizes:
                start = time.monotonic()
                timings = once(Path(tmp) / f"{n}-{run}", n, args.storage)
                for name, seconds in timings.items():
                    results.setdefault(n, {}).setdefault(name, []).append(seconds)
                print(
                    f"run {run + 1}, {n} cards: {time.monotonic() - start:.1f} s", file=sys.stderr
                )
    names = list(next(iter(results.values())))
    print("| step | " + " | ".join(f"{n:,} cards" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name in names:
        cells = [f"{statistics.median(results[n][name]):.2f} s" for n in sizes]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
