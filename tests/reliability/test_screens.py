"""What a person sees at a terminal, in real pseudo-terminals.

- issue 13.1: the names of the issue reach no screen raw: the merge plan (names as column
  headers), the merge confirmation, the ambiguous-reference picker, the narrow layout;
- issue 15.10: at 40, 60, 80 and 120 columns no line is wider than the terminal, ids,
  dates, emails and amounts are never split, long text ends in an ellipsis, the columns
  that drop out are named, the board stacks on a narrow terminal;
- issue 15.11: overdue red, due today yellow, done dim, on a colour terminal only;
- issue 15.12: no blank column header;
- issue 15.13: one time format (local) and one money format on the screen.

The screens come from the demo database of docs/gen_screens.py (the clock frozen at
Wed 2026-12-02 09:30 in Berlin), which also writes the screens into docs/cli.md.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINICRM
from reliability.test_hostile import leaks, run_answering, run_in_one_pty

DOCS = Path(__file__).resolve().parents[2] / "docs"
SGR = re.compile(r"\x1b\[[0-9;]*m")


def _gen_screens():
    spec = importlib.util.spec_from_file_location("gen_screens", DOCS / "gen_screens.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _gen_screens()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    gen.build(db)
    return db


# -- issue 13.1: names stay text on every screen ----------------------------------------------


def terminal(env: dict[str, str], **settings: str) -> dict[str, str]:
    out = {k: v for k, v in env.items() if k != "NO_COLOR"}
    out.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
    out.update(settings)
    return out


BIDI = "Bob \u202eevil"
ESCAPES = "\x1b[2J\x1b]0;PWNED\x07 Mallory"


def test_the_names_of_issue_13_reach_no_screen_raw(cli_env, tmp_path):
    """`add $'Bob \\u202eevil'; add Carol; merge 1 2 --dry-run` at a terminal, and a name
    with a screen-clearing, title-setting escape that came in through a JSON dump."""
    # the second name: a JSON dump (written by hand, as another tool could) imported
    import minicrm

    other = tmp_path / "other.db"
    store = minicrm.open_store(other)
    try:
        with store.transaction():
            planted = minicrm.add_contact(store, "Placeholder").id
            store.update("contacts", planted, {"display_name": ESCAPES})
    finally:
        store.close()
    dump = tmp_path / "dump.json"
    env = {**cli_env, "MINICRM_DB": str(other)}
    done = subprocess.run([*MINICRM, "export", "--format", "json", "-o", str(dump)], env=env)
    assert done.returncode == 0
    for argv in (
        ["import", str(dump)],
        ["add", BIDI, "--email", "bob@example.com"],
        ["add", "Carol"],
        ["add", "Bob Again", "--email", "bob@example.com"],  # a duplicate for `dupes`
    ):
        done = subprocess.run([*MINICRM, *argv], env=cli_env, capture_output=True, text=True)
        assert done.returncode == 0, (argv, done.stderr)
    names = json.loads(
        subprocess.run([*MINICRM, "ls", "--json"], env=cli_env, capture_output=True).stdout
    )
    assert {c["name"] for c in names} == {BIDI, "Carol", ESCAPES, "Bob Again"}
    ids = {c["name"]: c["id"] for c in names}
    bob, carol, mallory = ids[BIDI], ids["Carol"], ids[ESCAPES]

    screens: list[tuple[object, bytes]] = []
    for columns in ("120", "60", "20"):  # a table; a narrow one; records ("column: value")
        env = terminal(cli_env, COLUMNS=columns)
        commands = [
            ["merge", str(bob), str(carol), "--dry-run"],
            ["merge", str(mallory), str(bob), "--dry-run"],
            ["ls"],
            ["show", str(mallory)],
            ["dupes", "--min-score", "0"],
        ]
        screens += list(zip(commands, (s for _, s in run_in_one_pty(commands, env)), strict=True))
        # the merge confirmation, answered no
        code, screen = run_answering(["merge", str(mallory), str(bob)], env, [(b"[y/N]", b"n\n")])
        assert code == 1 and b"cancelled" in screen
        screens.append((["merge", "confirm", columns], screen))
        # the ambiguous-reference picker: "bob" matches two contacts
        code, screen = run_answering(["show", "bob"], env, [(b"Which one", b"2\n")])
        assert code == 0, screen
        screens.append((["show", "bob", columns], screen))
    for argv, screen in screens:
        assert b"\\u202e" in screen or b"\\x1b[2J" in screen, argv  # shown, as escapes
        found = leaks(screen)
        assert found == [], (argv, found[:3])
        assert b"\xe2\x80\xae" not in screen and b"\x07" not in screen, argv
    plan = screens[0][1].decode()
    assert f"#{bob} Bob \\u202eevil" in plan and f"#{carol} Carol" in plan  # the headers
    assert "\\x1b[2J\\x1b]0;PWNED\\x07" in screens[1][1].decode()


# -- issue 15.10 to 15.13: tables a person can read ---------------------------------------------

SCREENS = [
    *(argv for _, argv in gen.SCREENS),
    ["notes", "Jane Doe"],
    ["company", "ls"],
    ["company", "show", "Globex Corporation"],
    ["deal", "show", "2"],
    ["followup", "show", "2"],
    ["stats"],
    ["search", "pricing"],
    ["tag", "cadence"],
    ["next", "--limit", "0"],
    ["activity", "--since", "2000-01-01"],
    ["ls", "--sort", "last-contacted", "--columns", "name,title,next-due"],
]
EMAILS = {
    "jane@acme.io",
    "sam.lee@globex-corporation.example",
    "maria@globex.com",
    "raj@initech.example",
    "lena@fischer.example",
    "kenji.tanaka@example.jp",
}
AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})*\.\d\d [A-Z]{3}")


def screens_at(demo: Path, columns: int) -> list[str]:
    return gen.capture(demo, columns, SCREENS)


@pytest.mark.parametrize("columns", [40, 60, 80, 120])
def test_tables_fit_the_terminal_and_never_split_a_value(demo, columns):
    for argv, text in zip(SCREENS, screens_at(demo, columns), strict=True):
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= columns, (argv, text)
        for token in re.findall(r"[\w.+-]*@[\w.-]*", text):
            assert token in EMAILS, (argv, columns, token, text)  # whole or absent
        for token in re.findall(r"\b\d{4}-\d\d(?:-\d*)?", text):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", token) or argv[0] == "stats", (argv, token)
        for before, after in itertools.pairwise(lines):  # no figure broken in two
            broken = re.search(r"[\d,.]$", before) and re.match(
                r"\s*[\d,.]*(?:\d\d [A-Z]{3}|[A-Z]{3}\b)", after
            )
            assert not broken, (argv, columns, before, after)
        if argv[0] in ("pipeline", "stats") or argv[:2] == ["deal", "ls"]:
            assert AMOUNT.search(text), (argv, text)


def test_narrow_terminals_shorten_text_and_say_what_is_left_out(demo):
    at = {
        c: dict(zip(map(tuple, SCREENS), screens_at(demo, c), strict=True)) for c in (40, 60, 120)
    }
    assert (
        "Call about the Globex rollout and the security review"
        in at[120][("followup", "ls", "--status", "all")]
    )
    assert "Call about th" in at[60][("due",)] and "…" in at[60][("due",)]
    assert "Not shown at 60 columns: due, reach, last interaction." in at[60][("due",)]
    footer = " ".join(at[40][("ls",)].splitlines()[-2:])
    assert footer == "Not shown at 40 columns: company, email, phone, tags, stage, next due."
    assert at[40][("ls",)].splitlines()[0].split() == ["id", "name"]
    # the board: side by side at 120, one stage under another at 60
    wide, narrow = at[120][("pipeline",)].splitlines(), at[60][("pipeline",)].splitlines()
    assert "lead (10%): 1 deal" in wide[0] and "negotiation (75%): 1 deal" in wide[0]
    assert narrow[0] == "lead (10%): 1 deal"
    assert "negotiation (75%): 1 deal" in narrow
    assert any(line.startswith("Open pipeline: 12,000.00 EUR") for line in narrow)


def test_no_blank_headers(demo):
    for columns in (60, 120):
        at = dict(zip(map(tuple, SCREENS), screens_at(demo, columns), strict=True))
        assert at[("due",)].splitlines()[0].split()[:3] == ["id", "when", "title"] or (
            at[("due",)].splitlines()[0].split()[:3] == ["id", "due", "when"]
        )
        assert "age" in at[("birthdays",)].splitlines()[0].split() or columns == 60
        page = at[("show", "Jane Doe")].splitlines()
        header = page[page.index("Open follow-ups") + 1].split()
        assert header == ["id", "due", "when", "title"]
    piped = subprocess.run(
        [*MINICRM, "birthdays", "--on", "2026-12-02"],
        env={**os.environ, "MINICRM_DB": str(demo), "TZ": gen.ZONE},
        capture_output=True,
        text=True,
    ).stdout
    assert piped.splitlines()[0].split() == ["id", "contact", "what", "date", "when", "age"]


def test_the_empty_stage_of_the_board_lines_up(demo, tmp_path):
    db = tmp_path / "board.db"
    db.write_bytes(demo.read_bytes())
    env = {**os.environ, "MINICRM_DB": str(db), "TZ": gen.ZONE}
    subprocess.run([*MINICRM, "deal", "rm", "4", "--yes"], env=env, check=True, capture_output=True)
    (text,) = gen.capture(db, 120, [["pipeline"]])
    lines = text.splitlines()
    assert "qualified (25%): 0 deals" in lines[0]
    rules = [line for line in lines if "────" in line]
    assert len(rules) == 1 and len(re.findall("─{20,}", rules[0])) == 4  # one line, 4 stages


def test_one_time_and_money_format_on_the_screen(demo):
    at = dict(zip(map(tuple, SCREENS), screens_at(demo, 120), strict=True))
    card = at[("show", "Jane Doe")]
    assert "Created:         2026-12-02 09:30" in card  # local (Berlin), not 08:30:00Z
    assert "Z " not in card and "T08:30" not in card
    assert "Snoozed from:  Fri 2026-12-04" in at[("followup", "show", "2")]
    stats = at[("stats",)]
    assert "235,000.00 USD" in stats and "235000.00" not in stats
    for text in at.values():
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text), text  # no ISO stamp
        assert not re.search(r"(?<![\d,])\d{4,}\.\d\d\b", text), text  # no ungrouped money


# -- issue 15.11: colour marks what needs attention, on a colour terminal only ---------------


def test_overdue_red_today_yellow_done_dim(demo):
    argvs = [["due"], ["followup", "ls", "--status", "all"], ["show", "Lena Fischer"]]
    coloured = gen.capture(demo, 120, argvs, keep_styles=True)
    due, followups, page = coloured
    assert "\x1b[31m5 days overdue\x1b[0m" in due and "\x1b[31mFri 2026-11-27\x1b[0m" in due
    assert "\x1b[33mtoday\x1b[0m" in due
    done_row = next(line for line in followups.splitlines() if "Thank for the referral" in line)
    assert "\x1b[2mThank for the referral\x1b[0m" in done_row
    assert "\x1b[33mtoday\x1b[0m" in page


def test_a_timed_follow_up_late_today_is_red_not_yellow(tmp_path):
    """Overdue from its time on (15.1) is overdue in colour too (15.11): at 09:30, a
    follow-up due today at 06:00 is red "3 h overdue", one due at 17:00 yellow "today"."""
    db = tmp_path / "timed.db"
    setup = [
        ["add", "Sam Lee"],
        ["follow", "sam", "Call at 6", "--due", "2026-12-02 06:30"],
        ["follow", "sam", "Call at 5pm", "--due", "2026-12-02 17:00"],
    ]
    done = subprocess.run(
        [sys.executable, "-c", gen.DRIVER],
        env=gen._env(db, 120, setup),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    due, page, listed = gen.capture(
        db, 120, [["due"], ["show", "sam"], ["followup", "ls"]], keep_styles=True
    )
    assert "\x1b[31m3 h overdue\x1b[0m" in due and "\x1b[33mtoday\x1b[0m" in due
    assert due.index("Call at 6") < due.index("Call at 5pm")
    assert "\x1b[31m3 h overdue\x1b[0m" in page
    assert "\x1b[31mWed 2026-12-02 06:30\x1b[0m" in listed
    assert "\x1b[33mWed 2026-12-02 17:00\x1b[0m" in listed


@pytest.mark.parametrize(
    "settings",
    [{"NO_COLOR": "1"}, {"TERM": "dumb"}],
    ids=["NO_COLOR", "TERM=dumb"],
)
def test_no_colour_without_a_colour_terminal(demo, settings):
    argvs = [["due"], ["followup", "ls", "--status", "all"], ["pipeline"], ["show", "Jane Doe"]]
    for text in gen.capture(demo, 120, argvs, keep_styles=True, **settings):
        assert not re.search(r"\x1b\[(?:[0-9;]*;)?(?:2|3[0-9])(?:;[0-9;]*)?m", text), text
        if settings.get("TERM") == "dumb":
            assert "\x1b" not in text


def test_a_pipe_stays_plain(demo):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(MINICRM_DB=str(demo), TZ=gen.ZONE, TERM="xterm-256color")
    for argv in (
        ["due", "--on", "2026-12-02"],
        ["followup", "ls", "--status", "all"],
        ["pipeline"],
    ):
        done = subprocess.run([*MINICRM, *argv], env=env, capture_output=True)
        assert done.returncode == 0 and b"\x1b" not in done.stdout and done.stdout, argv


def test_the_database_path_is_a_screen_string_too(cli_env, tmp_path):
    """`db path` prints the path exactly into a pipe (for $(minicrm db path)), escaped at a
    terminal: a path can hold any byte but / and NUL."""
    hostile = str(tmp_path / "x\x1b]0;PWNED\x07\u202e.db")
    env = {**cli_env, "MINICRM_DB": hostile}
    ((code, screen),) = run_in_one_pty([["db", "path"]], terminal(env))
    assert code == 0 and leaks(screen) == [] and b"\\x1b]0;PWNED\\x07\\u202e.db" in screen
    piped = subprocess.run([*MINICRM, "db", "path"], env=env, capture_output=True, text=True)
    assert piped.stdout == hostile + "\n"
