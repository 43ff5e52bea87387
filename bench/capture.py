"""Time `minicrm capture mail` over a generated mailbox (issue 20): the first run over
50,000 messages, a re-run with no new mail (against start-up: `minicrm db path`), and a
re-run after one new message. Whole processes, peak memory from ``os.wait4``.

    python bench/capture.py                       # 50,000 messages, 500 contacts
    python bench/capture.py --messages 5000 --runs 3 --json bench/results/capture.json

The mailbox is a tree as mbsync leaves it: INBOX (read mail in cur/, flags ``:2,S``),
Sent and Archive Maildirs, with ~25% of the messages from or to contacts, ~30% list mail
and newsletters, the rest strangers; one message in twenty is HTML, one in fifty carries
a 200 KB attachment. Not part of the unit tests; docs/performance.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ME = "me@example.org"


def _message(i: int, rng: random.Random, contacts: int) -> tuple[str, bytes]:
    kind = rng.random()
    day = 1 + i % 28
    date = f"Fri, {day:02d} Oct 2026 {i % 24:02d}:{i % 60:02d}:00 +0000"
    extra = ""
    if kind < 0.25:
        n = rng.randrange(contacts)
        who = f"person{n}@client{n % 50}.example"
        sender, to, folder = (ME, who, "Sent") if rng.random() < 0.4 else (who, ME, "INBOX")
    elif kind < 0.55:
        sender, to, folder = f"news{i % 40}@lists.example", ME, "INBOX"
        extra = f"List-Id: <list{i % 40}.lists.example>\r\nList-Unsubscribe: <mailto:u@lists.example>\r\n"
    else:
        sender, to, folder = f"stranger{i}@else.example", ME, rng.choice(["INBOX", "Archive"])
    head = (
        f"From: Someone {i} <{sender}>\r\nTo: {to}\r\nSubject: Message number {i} about things\r\n"
        f"Date: {date}\r\nMessage-ID: <bench{i}@gen.example>\r\n{extra}MIME-Version: 1.0\r\n"
        + "Received: from mx.example by mx.example; "
        + date
        + "\r\n"
    )
    text = f"Hello,\r\n\r\nthis is the text of message {i}.\r\n\r\n> quoted line\r\n-- \r\nSig\r\n"
    if i % 20 == 0:
        body = "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>there</b></p>" + text
    elif i % 50 == 1:
        body = (
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n--b\r\n"
            "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + (
                "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n"
                * 2700
            )
            + "--b--\r\n"
        )
    else:
        body = "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text
    return folder, (head + body).encode()


def generate(root: Path, messages: int, contacts: int) -> None:
    rng = random.Random(20)
    for folder in ("INBOX", "Sent", "Archive"):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)
    stamp = 1_790_000_000
    for i in range(messages):
        folder, data = _message(i, rng, contacts)
        (root / folder / "cur" / f"{stamp + i}.M{i}P1.bench,U={i}:2,S").write_bytes(data)


def contacts_csv(path: Path, contacts: int) -> None:
    rows = ["name,email"]
    for n in range(contacts):
        rows.append(f"Person {n},person{n}@client{n % 50}.example")
    path.write_text("\n".join(rows) + "\n")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {err.decode(errors='replace')}")
    return elapsed * 1000, usage.ru_maxrss / 1024, out.decode(errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--contacts", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="minicrm-capture-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    mail = work / "Mail"
    if not mail.exists():
        t = time.perf_counter()
        generate(mail, args.messages, args.contacts)
        print(
            f"generated {args.messages} messages in {time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINICRM_")}
    db = work / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    config = work / "config.toml"
    config.write_text(f'[me]\nemails = ["{ME}"]\n')
    env.update(MINICRM_DB=str(db), MINICRM_CONFIG=str(config), TZ="UTC", NO_COLOR="1")
    minicrm = [sys.executable, "-m", "minicrm"]
    csv = work / "contacts.csv"
    contacts_csv(csv, args.contacts)
    timed([*minicrm, "import", str(csv)], env)
    capture = [*minicrm, "capture", "mail", str(mail), "--json"]
    first_ms, first_mib, out = timed(capture, env)
    first = json.loads(out)
    rerun = [timed(capture, env)[:2] for _ in range(args.runs)]
    startup = [timed([*minicrm, "db", "path"], env)[:2] for _ in range(args.runs)]
    new_box = mail / "INBOX" / "new"
    one_new = []
    for n in range(args.runs):
        (new_box / f"1800000000.M{n}P2.bench").write_bytes(
            f"From: person1@client1.example\r\nTo: {ME}\r\nSubject: new {n}\r\n"
            f"Message-ID: <new{n}@gen>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n".encode()
        )
        one_new.append(timed(capture, env)[:2])
    result = {
        "messages": args.messages,
        "contacts": args.contacts,
        "first_run_ms": round(first_ms),
        "first_run_peak_mib": round(first_mib, 1),
        "first_run_counts": first["counts"],
        "rerun_ms": round(statistics.median(r[0] for r in rerun), 1),
        "rerun_peak_mib": round(statistics.median(r[1] for r in rerun), 1),
        "startup_db_path_ms": round(statistics.median(s[0] for s in startup), 1),
        "one_new_message_ms": round(statistics.median(r[0] for r in one_new), 1),
        "db_bytes": db.stat().st_size,
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }
    result["rerun_over_startup"] = round(result["rerun_ms"] / result["startup_db_path_ms"], 2)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
