"""Regenerate the terminal screens in docs/cli.md from real runs.

    python docs/gen_screens.py            # rewrite the screens in docs/cli.md
    python docs/gen_screens.py --check    # exit 1 if docs/cli.md is out of date

It builds a demo database (a small week of work: contacts, calls, follow-ups, deals),
then runs each command of SCREENS in a real pseudo-terminal of 60 and of 120 columns,
with the clock frozen at Wed 2026-12-02 09:30 in Europe/Berlin, colour codes removed, and
puts the result between ``<!-- screen NAME COLUMNS -->`` and ``<!-- /screen -->`` in
docs/cli.md. tests/test_docs.py checks that the file holds what this script writes.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
CLI_MD = DOCS / "cli.md"
SRC = DOCS.parent / "src"
NOW = "2026-12-02T08:30:00+00:00"  # Wed 2026-12-02 09:30 in Berlin
ZONE = "Europe/Berlin"
WIDTHS = (60, 120)

SETUP: list[list[str]] = [
    # people
    [
        "add",
        "Jane Doe",
        "--email",
        "work:jane@acme.io",
        "--phone",
        "mobile:+1 555 0100",
        "--company",
        "Acme",
        "--title",
        "CTO",
        "--tag",
        "vip",
        "--tag",
        "investor",
        "--stage",
        "customer",
        "--birthday",
        "1984-12-05",
        "--every",
        "30d",
    ],
    [
        "add",
        "Sam Lee",
        "--email",
        "sam.lee@globex-corporation.example",
        "--phone",
        "+44 20 7946 0000",
        "--company",
        "Globex Corporation",
        "--stage",
        "prospect",
        "--every",
        "30d",
    ],
    [
        "add",
        "Maria González",
        "--email",
        "maria@globex.com",
        "--company",
        "Globex Corporation",
        "--tag",
        "decision-maker",
        "--tag",
        "lead",
        "--tag",
        "spain",
        "--stage",
        "lead",
    ],
    [
        "add",
        "Raj Patel",
        "--email",
        "raj@initech.example",
        "--company",
        "Initech",
        "--date",
        "first-deal:2020-12-09",
    ],
    [
        "add",
        "Lena Fischer",
        "--email",
        "lena@fischer.example",
        "--tag",
        "investor",
        "--birthday",
        "--12-04",
    ],
    [
        "add",
        "Kenji Tanaka",
        "--email",
        "kenji.tanaka@example.jp",
        "--phone",
        "+81 3 1234 5678",
        "--company",
        "Umbrella",
        "--stage",
        "customer",
    ],
    ["tag", "cadence", "investor", "60d"],
    # what happened
    [
        "log",
        "Jane Doe",
        "call",
        "Discussed pricing, wants a proposal by Friday",
        "--at",
        "2026-11-30 15:00",
    ],
    [
        "log",
        "Sam Lee",
        "note",
        "Met at the conference; interested in the analytics add-on",
        "--at",
        "2026-10-20 11:00",
    ],
    [
        "log",
        "Raj Patel",
        "meeting",
        "Quarterly review: renewal looks likely",
        "--at",
        "2026-12-01 10:00",
    ],
    ["log", "Lena Fischer", "email", "Sent the Q3 numbers", "--at", "2026-09-01 09:00"],
    # promises
    ["follow", "Sam Lee", "Send the deck", "--due", "2026-11-27"],
    ["follow", "Jane Doe", "Send the proposal", "--due", "2026-12-04", "--priority", "high"],
    ["follow", "Lena Fischer", "Coffee", "--due", "2026-12-02", "--at", "16:30"],
    ["follow", "Raj Patel", "Check in", "--due", "2026-12-03", "--at", "09:00", "--every", "2w"],
    [
        "follow",
        "Maria González",
        "Call about the Globex rollout and the security review",
        "--due",
        "2026-12-01",
    ],
    ["follow", "Kenji Tanaka", "Thank for the referral", "--due", "2026-11-30"],
    ["done", "6"],
    ["snooze", "2", "--until", "2026-12-07 09:00"],
    # deals
    [
        "deal",
        "add",
        "Jane Doe",
        "Renewal 2027",
        "--value",
        "12000",
        "--currency",
        "EUR",
        "--stage",
        "proposal",
        "--close",
        "2026-12-15",
    ],
    [
        "deal",
        "add",
        "Maria González",
        "Globex rollout",
        "--value",
        "235000",
        "--currency",
        "USD",
        "--stage",
        "negotiation",
        "--close",
        "2026-11-30",
    ],
    ["deal", "add", "Raj Patel", "Hosting", "--value", "300", "--currency", "USD"],
    [
        "deal",
        "add",
        "Kenji Tanaka",
        "Training days",
        "--value",
        "5000",
        "--currency",
        "USD",
        "--stage",
        "qualified",
    ],
]

# (name, command line): each is shown at every width in WIDTHS.
SCREENS: list[tuple[str, list[str]]] = [
    ("ls", ["ls"]),
    ("show", ["show", "Jane Doe"]),
    ("due", ["due"]),
    ("agenda", ["agenda"]),
    ("stale", ["stale"]),
    ("birthdays", ["birthdays"]),
    ("followup-ls", ["followup", "ls", "--status", "all"]),
    ("deal-ls", ["deal", "ls"]),
    ("pipeline", ["pipeline"]),
]

DRIVER = r"""
import json, os, sys
from datetime import datetime
import minicrm.core.clock
minicrm.core.clock.now = lambda: datetime.fromisoformat(os.environ["SCREENS_NOW"])
from minicrm.cli import main
for argv in json.loads(os.environ["SCREENS_ARGVS"]):
    sys.argv = ["minicrm", *argv]
    try:
        main()
    except SystemExit as exc:
        if exc.code not in (0, None):
            sys.stdout.flush()
            print(f"FAILED: {argv}: exit {exc.code}", file=sys.stderr)
            sys.exit(1)
    sys.stdout.flush()
    os.write(1, b"\n=====SCREEN=====\n")
"""
MARK = re.compile(r"\r?\n=====SCREEN=====\r?\n")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def _env(
    db: Path, columns: int, argvs: list[list[str]], settings: dict[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINICRM_", "LESS"))}
    env.pop("NO_COLOR", None)
    env.update(
        MINICRM_DB=str(db),
        MINICRM_CONFIG=str(db.parent / "config.toml"),
        MINICRM_PAGER="cat",
        TZ=ZONE,
        TERM="xterm-256color",
        COLUMNS=str(columns),
        LINES="200",
        PYTHONPATH=str(SRC),
        SCREENS_NOW=NOW,
        SCREENS_ARGVS=json.dumps(argvs),
    )
    env.update(settings or {})
    return env


def build(db: Path) -> None:
    """The demo database, through the CLI (piped), with the clock frozen."""
    done = subprocess.run(
        [sys.executable, "-c", DRIVER],
        env=_env(db, 120, SETUP),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise SystemExit(f"building the demo database failed:\n{done.stderr}")


def capture(
    db: Path, columns: int, argvs: list[list[str]], *, keep_styles: bool = False, **settings: str
) -> list[str]:
    """What a terminal of ``columns`` shows for each command line (colour removed unless
    ``keep_styles``); ``settings`` are more environment variables (NO_COLOR, TERM)."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 200, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=_env(db, columns, argvs, settings),
        start_new_session=True,
    )
    os.close(slave)
    screen = bytearray()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            break
        screen += chunk
    else:
        process.kill()
        raise SystemExit("the screens took more than 300 s")
    os.close(master)
    text = screen.decode("utf-8").replace("\r\n", "\n")
    text = text if keep_styles else SGR.sub("", text)
    if process.wait(timeout=30) != 0:
        raise SystemExit(f"a screen failed:\n{text[-3000:]}")
    pieces = MARK.split(text)
    return [p.rstrip("\n") for p in pieces[: len(argvs)]]


def screens() -> dict[tuple[str, int], str]:
    """Every screen, by (name, columns), as a fenced block with its command line."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.db"
        build(db)
        result = {}
        for columns in WIDTHS:
            shown = capture(db, columns, [argv for _, argv in SCREENS])
            for (name, argv), text in zip(SCREENS, shown, strict=True):
                command = "minicrm " + " ".join(
                    a if re.fullmatch(r"[\w@.:/+-]+", a) else f'"{a}"' for a in argv
                )
                result[(name, columns)] = f"```\n$ {command}\n{text}\n```"
    return result


BLOCK = re.compile(r"(<!-- screen (\S+) (\d+) -->\n)(.*?)(<!-- /screen -->)", re.S)


def updated(text: str, shots: dict[tuple[str, int], str]) -> str:
    def replace(match: re.Match[str]) -> str:
        key = (match.group(2), int(match.group(3)))
        if key not in shots:
            raise SystemExit(f"docs/cli.md asks for an unknown screen {key}")
        return f"{match.group(1)}{shots[key]}\n{match.group(5)}"

    return BLOCK.sub(replace, text)


def main() -> int:
    check = "--check" in sys.argv[1:]
    text = CLI_MD.read_text(encoding="utf-8")
    new = updated(text, screens())
    if new == text:
        print(f"{CLI_MD} is up to date")
        return 0
    if check:
        print(f"{CLI_MD} is out of date: run python docs/gen_screens.py", file=sys.stderr)
        return 1
    CLI_MD.write_text(new, encoding="utf-8")
    print(f"updated {CLI_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
