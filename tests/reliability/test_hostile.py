"""Hostile strings through every command that shows or exports data.

One database holds the whole catalogue: every string is a contact's name, title, notes,
tag, email, custom field, a company's name and notes, a follow-up's title and notes, a
deal's title, an interaction's body; one "omnibus" contact, interaction, follow-up, deal
and company carry all of them at once. Values the front door refuses (control
characters) are planted through the Store, as an older version, a sync tool or a
hand-edited file could leave them: rendering must not trust validation.

Every data command then runs in a real pseudo-terminal (the Rich path) and through a pipe
(the plain path). Asserted: no crash; no escape sequence, C1 control, bidi override,
NUL, BEL, backspace or lone CR from data on the screen (the only escapes allowed are
Rich's own SGR colour codes); markup is shown literally; no CSV/TSV cell a spreadsheet
would run; HTML is escaped; nothing is written outside the export folder.

CI runs the catalogue once; ``--soak`` also gives each string its own database and runs
every show command on every record (docs/reliability.md has the figures).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import MINICRM

ESC = "\x1b"
LONG = "A" * 10_000

CATALOGUE: list[str] = [
    # Rich markup and emoji codes
    "[bold red]Boss[/bold red]",
    "Ann [/]",
    "[/bold]",
    "[link=https://evil.example]Click me[/link]",
    "[red",
    "]] [[ ][",
    r"\[bold]not bold",
    ":thumbs_up: :smile: :pile_of_poo:",
    "[blink]blink[/blink] [reverse]x[/]",
    # HTML and Markdown
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<b>bold</b> &amp; &lt;tag&gt;",
    "[click](javascript:alert(1))",
    "**bold** _it_ `code` # heading",
    "<!-- comment --> <style>*{}</style>",
    # terminal escape sequences (CSI, OSC 8, OSC 0, DCS, C1) and other C0 controls
    "\x1b[2J\x1b[Hscreen cleared",
    "\x1b]8;;http://evil.example/\x1b\\live link\x1b]8;;\x1b\\",
    "\x1b[38;2;1;2;3mtruecolor",
    "\x1b]0;pwned title\x07",
    "\x1b[6n device status",
    "\x1bPdcs payload\x1b\\",
    "\x9b31mC1 CSI",
    "\x9d0;C1 OSC\x9c",
    "lone \x1b escape",
    "bell \x07\x07",
    "back\x08\x08\x08\x08space",
    "carriage\roverwrite",
    "nul\x00in the middle",
    "del\x7fete",
    "vertical\x0btab\x0cfeed",
    "\x1b[1;1H\x1b[Kover the prompt",
    # bidi, zero-width and separators
    "\u202egnp.exe",
    "abc\u2066isolate\u2069def",
    "\u202a\u202b\u202c\u202d embeddings",
    "line\u2028separator\u2029paragraph",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "\u200eLRM \u200fRLM \u061cALM marks",  # the rest of the Bidi_Control class
    "soft\u00adhyphen word\u2060joiner \u3164filler \uffa0half \ufff9anchor\ufffb",
    "hidden\U000e0069\U000e0067\U000e006e\U000e006f\U000e0072\U000e0065 tags",
    "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Scotland",
    # emoji, combining marks, RTL, wide characters
    "👩‍👩‍👧‍👦 family",
    "🏳️‍🌈 flag 👍🏽 tone",
    "😀" * 40,
    "Z̷̢͎͔̓̈́a̸̛l̵g̶o̴ text",
    "e\u0301\u0301\u0301\u0301\u0301\u0301 stacked",
    "مرحبا بالعالم",
    "שלום עולם",
    "mixed English עברית 123 عربي",
    "山田太郎 ｆｕｌｌ ｗｉｄｔｈ",
    # very long values
    LONG,
    "word " * 2_000,
    "x" * 300,
    # spreadsheet formulas (OWASP CSV injection)
    '=HYPERLINK("http://evil.example","Click")',
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    # path separators and file names
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "a/b/c",
    "CON",
    ".",
    "..",
    "~/.bashrc",
    # shell, format strings, quoting
    "$(touch /tmp/minicrm-pwned)",
    "`id`; rm -rf ~",
    "%s%n%x {0} {name}",
    "' OR 1=1 --",
    "\"double\" and 'single' quotes",
    "multi\nline\nvalue",
    "   leading and trailing   ",
    "NULL",
]

FROZEN_DAY = "2026-11-22"

# Planted escape sequences, each unlike anything Rich emits.
PLANTED = [
    b"\x1b[2J",
    b"\x1b]8;;http://evil",
    b"\x1b[38;2;1;2;3m",
    b"\x1b]0;pwned",
    b"\x1b[6n",
    b"\x1bPdcs",
    b"\x1b[1;1H",
    b"\x1b[K",
    b"\x1b[H",
]
# An escape Rich may emit: SGR (colours and styles), nothing else.
SGR = re.compile(rb"\x1b\[[0-9;]*m")
DANGEROUS = re.compile(
    rb"\x1b|\xc2[\x80-\x9f\xad]|\xd8\x9c|\xe2\x80[\x8b\x8e\x8f\xa8\xa9\xaa-\xae]|\xe2\x81[\xa0-\xaf]"
    rb"|\xef\xbb\xbf|\xe3\x85\xa4|\xef\xbe\xa0|\xef\xbf[\xb9-\xbb]|\xf3\xa0[\x80\x81][\x80-\xbf]"
    rb"|[\x00\x07\x08\x0b\x0c\x7f]|\r(?!\r?\n)"
)
# An emoji flag of a subdivision (Scotland: U+1F3F4, tag letters, U+E007F) is the one
# place tag characters may appear.
FLAG = re.compile(
    rb"\xf0\x9f\x8f\xb4(?:\xf3\xa0\x80[\xa0-\xbf]|\xf3\xa0\x81[\x80-\xbe])+\xf3\xa0\x81\xbf"
)
FORMULA = ("=", "+", "-", "@", "\t", "\r", "\x00")


def leaks(screen: bytes) -> list[bytes]:
    """What on the screen could steer a terminal, once Rich's own SGR codes are gone."""
    found = [p for p in PLANTED if p in screen]
    rest = FLAG.sub(b"", SGR.sub(b"", screen))
    found += [rest[max(0, m.start() - 20) : m.end() + 20] for m in DANGEROUS.finditer(rest)]
    return found


# -- the database -----------------------------------------------------------------------


def build(db: Path, strings: list[str]) -> dict[str, list[int]]:
    """Fill ``db`` with ``strings`` in every text column; returns the ids per entity."""
    import minicrm
    from minicrm.activity import followups, interactions
    from minicrm.deals import service as deals

    store = minicrm.open_store(db)
    ids: dict[str, list[int]] = {k: [] for k in ("contact", "company", "fu", "ia", "deal")}
    try:
        with store.transaction("hostile fixture"):
            omni = minicrm.add_contact(store, "Omnibus Person").id
            omni_co = minicrm.add_company(store, "Omnibus Company").id
            for i in range(len(strings)):
                co = minicrm.add_company(store, f"Company {i}").id
                c = minicrm.add_contact(
                    store,
                    f"Person {i}",
                    minicrm.ContactChanges(
                        fields={"birthday": "1990-11-25", "company": f"Company {i}"},
                        add={"emails": [f"p{i}@example.com"], "phones": ["+1 555 0100"]},
                        add_tags=[f"t{i}"],
                        custom={f"f{i}": "x"},
                    ),
                ).id
                fu = followups.add_followup(store, f"#{c}", f"Follow {i}", due="2026-11-20").id
                ia = interactions.log(store, [f"#{c}", f"#{omni}"], f"Body {i}").id
                deal = deals.add_deal(
                    store, f"#{c}", f"Deal {i}", value="100", close="2026-11-21"
                ).id
                for key, val in (
                    ("contact", c),
                    ("company", co),
                    ("fu", fu),
                    ("ia", ia),
                    ("deal", deal),
                ):
                    ids[key].append(val)
            omni_fu = followups.add_followup(store, f"#{omni}", "Omnibus", due="2026-11-22").id
            omni_ia = interactions.log(store, [f"#{omni}"], "Omnibus").id
            omni_deal = deals.add_deal(store, f"#{omni}", "Omnibus", company="Omnibus Company").id

            # Plant the strings, bypassing validation (as other writers of the file could).
            all_of_them = "\n".join(strings)
            for i, s in enumerate(strings):
                c = ids["contact"][i]
                store.update(
                    "contacts",
                    c,
                    {
                        "display_name": s,
                        "title": s,
                        "notes": s,
                        "nickname": s,
                        "custom": json.dumps({f"f{i}": s, s[:60] or "k": s}),
                        "cadence_days": 1,
                        "last_contacted_at": "2020-01-01T00:00:00Z",
                        "uid": f"../../uid-{i}" if i % 2 else f"/tmp/uid-{i}",
                    },
                )
                for table in ("contact_emails", "contact_phones", "contact_tags"):
                    row = store.query_one(f"SELECT id FROM {table} WHERE contact_id = ?", [c])
                    column = "tag" if table == "contact_tags" else "value"
                    store.update(
                        table,
                        row["id"],
                        {column: s, **({} if column == "tag" else {"label": s[:30]})},
                    )
                store.update(
                    "companies", ids["company"][i], {"name": s, "notes": s, "name_key": f"k{i}"}
                )
                store.update("followups", ids["fu"][i], {"title": s, "notes": s})
                store.update("interactions", ids["ia"][i], {"body": s})
                store.update("deals", ids["deal"][i], {"title": s})
            store.update(
                "contacts",
                omni,
                {
                    "notes": all_of_them,
                    "custom": json.dumps({f"f{i}": s for i, s in enumerate(strings)}),
                },
            )
            for s in strings:
                store.insert("contact_tags", {"contact_id": omni, "tag": s})
            store.update("companies", omni_co, {"notes": all_of_them})
            store.update("followups", omni_fu, {"notes": all_of_them})
            store.update("interactions", omni_ia, {"body": all_of_them})
            store.update("deals", omni_deal, {"title": strings[0]})
        ids["omni"] = [omni, omni_co, omni_fu, omni_ia, omni_deal]
    finally:
        store.close()
    return ids


def commands(ids: dict[str, list[int]], out: Path, everything: bool) -> list[list[str]]:
    """Every command that shows or exports data. ``everything``: each show command on
    every record, not only on the omnibus ones."""
    omni, omni_co, omni_fu, omni_ia, omni_deal = ids["omni"]
    on = ["--on", FROZEN_DAY]
    cmds = [
        ["--help"],
        ["ls"],
        ["ls", "--all", "--format", "csv"],
        ["ls", "--format", "tsv"],
        ["ls", "--json"],
        ["search", "Body"],
        ["search", "Omnibus"],
        ["due", *on],
        ["agenda", *on],
        ["stale", *on],
        ["birthdays", *on],
        ["notes", f"#{omni}"],
        ["interaction", "ls", f"#{omni}"],
        ["followup", "ls"],
        ["company", "ls"],
        ["deal", "ls"],
        ["pipeline"],
        ["stats", *on],
        # names as the column headers of a merge plan
        ["merge", f"#{omni}", f"#{ids['contact'][0]}", "--dry-run"],
        ["merge", f"#{ids['contact'][0]}", f"#{omni}", "--dry-run"],
        ["dupes", "--min-score", "0.3"],
        ["history", "--limit", "3"],
        *(["digest", "--format", f, *on] for f in ("text", "markdown", "html", "json")),
        *(["export", "--format", f] for f in ("json", "csv", "google", "vcard", "ics")),
        ["export", "--format", "csv", "-o", str(out / "out.csv")],
        ["export", "--format", "vcard", "--vdir", str(out / "vdir")],
    ]
    shows = {
        "show": [omni],
        "interaction show": [omni_ia],
        "followup show": [omni_fu],
        "company show": [omni_co],
        "deal show": [omni_deal],
    }
    if everything:
        shows = {
            "show": [omni, *ids["contact"]],
            "interaction show": [omni_ia, *ids["ia"]],
            "followup show": [omni_fu, *ids["fu"]],
            "company show": [omni_co, *ids["company"]],
            "deal show": [omni_deal, *ids["deal"]],
        }
    else:  # the contact page of a handful of single strings too
        shows["show"] += ids["contact"][:: max(1, len(ids["contact"]) // 5)]
    for command, numbers in shows.items():
        cmds += [[*command.split(), f"#{n}" if command == "show" else str(n)] for n in numbers]
    return cmds


# -- running in a pseudo-terminal --------------------------------------------------------


def run_in_ptys(
    argvs: list[list[str]],
    env: dict[str, str],
    timeout: float = 60,
    parallel: int = 6,
    program: list[str] = MINICRM,
) -> list[tuple[int, bytes]]:
    """Run each command line with a pseudo-terminal as stdin, stdout and stderr; return
    (exit code, everything the terminal received). Never hangs: a command still running
    after ``timeout`` is killed and fails the test."""
    results: dict[int, tuple[int, bytes]] = {}
    running: dict[int, tuple[int, subprocess.Popen, bytearray]] = {}  # fd -> (index, ...)
    queue = list(enumerate(argvs))
    deadline = time.monotonic() + timeout
    while queue or running:
        while queue and len(running) < parallel:
            index, argv = queue.pop(0)
            master, slave = pty.openpty()
            proc = subprocess.Popen(
                [*program, *argv],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                close_fds=True,
                start_new_session=True,
            )
            os.close(slave)
            running[master] = (index, proc, bytearray())
        if time.monotonic() > deadline:
            for _, proc, _ in running.values():
                proc.kill()
            raise AssertionError(f"commands still running after {timeout}s")
        ready, _, _ = select.select(list(running), [], [], 1.0)
        for fd in ready:
            index, proc, buf = running[fd]
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if chunk:
                buf += chunk
                continue
            code = proc.wait(timeout=10)
            os.close(fd)
            del running[fd]
            results[index] = (code, bytes(buf))
    return [results[i] for i in range(len(argvs))]


DRIVER = r"""
import json, os, sys
from minicrm.cli import main
for index, argv in enumerate(json.loads(os.environ["HOSTILE_ARGVS"])):
    sys.argv = ["minicrm", *argv]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:
        import traceback
        traceback.print_exc()
        code = 99
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, f"\n=====HOSTILE-DRIVER {index} {code}=====\n".encode())
"""
MARK = re.compile(rb"\r?\n=====HOSTILE-DRIVER (\d+) (\d+)=====\r?\n")


def run_in_one_pty(argvs: list[list[str]], env: dict[str, str]) -> list[tuple[int, bytes]]:
    """The same as :func:`run_in_ptys`, but all commands in one process on one terminal
    (``main()`` called once per command line): the terminal path at a fraction of the
    start-up cost."""
    env = {**env, "HOSTILE_ARGVS": json.dumps(argvs)}
    ((code, screen),) = run_in_ptys([["-c", DRIVER]], env, program=[sys.executable])
    assert code == 0, screen[-3000:]
    pieces = MARK.split(screen)
    results = []
    for i in range(len(argvs)):
        body, index, status = pieces[3 * i], pieces[3 * i + 1], pieces[3 * i + 2]
        assert int(index) == i
        results.append((int(status), body))
    return results


def run_answering(
    argv: list[str], env: dict[str, str], answers: list[tuple[bytes, bytes]], timeout: float = 60
) -> tuple[int, bytes]:
    """Run minicrm in a pseudo-terminal, typing each answer once its prompt is on screen."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [*MINICRM, *argv], stdin=slave, stdout=slave, stderr=slave, env=env,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    screen, pending = bytearray(), list(answers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
        if pending and pending[0][0] in screen:
            os.write(master, pending.pop(0)[1])
    else:
        process.kill()
        raise AssertionError(f"still running after {timeout}s: {bytes(screen)[-500:]!r}")
    os.close(master)
    return process.wait(timeout=10), bytes(screen)


def terminal_env(cli_env: dict[str, str]) -> dict[str, str]:
    env = dict(cli_env)
    env.pop("NO_COLOR", None)
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
    return env


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def check_csv_cells(text: str, tsv: bool = False) -> int:
    """Assert no cell would run as a formula; returns how many cells were looked at."""
    if tsv:
        rows = [line.split("\t") for line in text.splitlines()]
    else:
        rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows[1:] for cell in row]
    bad = [cell[:40] for cell in cells if cell.startswith(FORMULA)]
    assert bad == [], bad
    return len(cells)


# -- the tests ---------------------------------------------------------------------------


def test_the_catalogue_is_big_and_varied():
    assert len(CATALOGUE) >= 50
    assert len(set(CATALOGUE)) == len(CATALOGUE)


def test_the_front_door_stores_control_characters_as_given(run):
    """One rule (validate.text): `add` stores what the user gave, display escapes it;
    only NUL, which SQLite's text functions stop at, becomes a visible U+2400."""
    for s in ("\x1b[2J", "a\x00b", "\x9b31m", "x\x07"):
        added = run.json("add", s)
        assert added["name"] == s.replace("\x00", "\u2400")
    listing = run("ls").stdout
    assert not leaks(listing.encode()), listing


def _check_terminal_run(argv: list[str], code: int, screen: bytes) -> None:
    text = screen.decode("utf-8", "replace")
    assert code == 0, (argv, code, text[-2000:])
    assert "Traceback" not in text and "internal error" not in text, (argv, text[-2000:])
    found = leaks(screen)
    assert found == [], (argv, found[:5])


def test_every_data_command_in_a_terminal(tmp_path, cli_env, soak):
    db = Path(cli_env["MINICRM_DB"])
    ids = build(db, CATALOGUE)
    out = tmp_path / "exports"
    out.mkdir()
    before = files_under(tmp_path) - files_under(out)
    argvs = commands(ids, out, everything=soak)
    env = terminal_env(cli_env)
    if soak:  # each command its own process
        results = run_in_ptys(argvs, env, timeout=1800)
    else:  # one process for all; the daily commands also as the real program
        results = run_in_one_pty(argvs, env)
        real = [["ls"], ["show", f"#{ids['omni'][0]}"], ["due", "--on", FROZEN_DAY]]
        real.append(["digest", "--on", FROZEN_DAY])
        for argv, (code, screen) in zip(real, run_in_ptys(real, env), strict=True):
            _check_terminal_run(argv, code, screen)
    for argv, (code, screen) in zip(argvs, results, strict=True):
        _check_terminal_run(argv, code, screen)
    # the narrow layouts (records at 20 columns, dropped columns and shortened text at 40
    # and 60) and the pager's path to the terminal
    narrow = [a for a in argvs if a[0] not in ("export", "digest", "--help") and "--json" not in a]
    for settings in (
        {"COLUMNS": "20"},
        {"COLUMNS": "40"},
        {"COLUMNS": "60"},
        {"MINICRM_PAGER": "cat -u"},
    ):
        if settings.get("MINICRM_PAGER") or soak or settings["COLUMNS"] != "40":
            for argv, (code, screen) in zip(
                narrow, run_in_one_pty(narrow, {**env, **settings}), strict=True
            ):
                _check_terminal_run([*argv, str(settings)], code, screen)

    by_name = {
        " ".join(a): s.decode("utf-8", "replace") for a, (_, s) in zip(argvs, results, strict=True)
    }
    omni = ids["omni"][0]
    page = SGR.sub(
        b"",
        dict(zip(map(tuple, argvs), (s for _, s in results), strict=True))[("show", f"#{omni}")],
    )
    page_text = page.decode("utf-8", "replace")
    # markup and emoji codes shown as typed; escapes shown as visible text
    for literal in ("[bold red]Boss[/bold red]", "[link=https://evil.example]", ":thumbs_up:"):
        assert literal in page_text, literal
    assert "\\x1b[2J" in page_text and "\\u202e" in page_text
    assert "Omnibus Person" in by_name["ls"] or "Person" in by_name["ls"]

    # nothing outside the export folder; the export folder holds exactly what was asked
    after = files_under(tmp_path) - files_under(out)
    new = {p for p in after - before if not p.name.startswith(db.name)}
    assert new == set(), new
    vdir = out / "vdir"
    cards = sorted(vdir.iterdir())
    assert len(cards) == len(CATALOGUE) + 1
    assert all(p.parent == vdir and p.suffix == ".vcf" for p in cards)
    assert {p.parent for p in files_under(out)} <= {out, vdir}
    check_csv_cells((out / "out.csv").read_text(encoding="utf-8"))
    record_figures("terminal", len(CATALOGUE), len(argvs))


def test_every_data_command_through_a_pipe(tmp_path, run, db_path):
    """The plain path (no terminal): no crash, no control character from data outside the
    machine formats, no formula cell, escaped HTML."""
    ids = build(db_path, CATALOGUE)
    out = tmp_path / "exports"
    out.mkdir()
    cells = 0
    for argv in commands(ids, out, everything=False):
        if "-o" in argv or "--vdir" in argv:
            continue  # the terminal test writes those files
        result = run(*argv)
        text = result.stdout
        assert "Traceback" not in result.stderr
        machine = (
            argv[0] == "export"
            or "--json" in argv
            or argv[-1] == "json"
            or ("--format" in argv and argv[argv.index("--format") + 1] in ("csv", "tsv"))
        )
        if not machine:
            found = leaks(text.encode("utf-8").replace(b"\r\n", b"\n"))
            assert found == [], (argv, found[:5])
        if "--format" in argv:
            fmt = argv[argv.index("--format") + 1]
            if fmt in ("csv", "google") and "-o" not in argv:
                cells += check_csv_cells(text)
            if fmt == "tsv":
                cells += check_csv_cells(text, tsv=True)
            if fmt == "html":
                assert "<script>alert" not in text and "<img src=x" not in text
                assert "&lt;script&gt;alert(1)" in text
            if fmt == "markdown":
                assert "<script>" not in text and "<img src=x" not in text
                assert "](javascript:" not in text.replace("\\]", "")
            if fmt == "json":
                json.loads(text)
    assert cells > len(CATALOGUE) * 5
    # the raw switch exists, and really is raw
    raw = run("ls", "--all", "--format", "csv", "--raw").stdout
    assert "\n=HYPERLINK(" in raw.replace("\r\n", "\n") or '"=HYPERLINK(' in raw


def test_prompts_show_hostile_names_as_text(cli_env, soak):
    """The merge confirmation (its question names both contacts) answered no, and the
    ambiguous-reference picker (its candidates are names) answered 1, in a terminal."""
    ids = build(Path(cli_env["MINICRM_DB"]), CATALOGUE)
    env = terminal_env(cli_env)
    omni, contacts = ids["omni"][0], ids["contact"]
    picks = contacts if soak else contacts[::7]
    runs = [(["merge", f"#{omni}", f"#{c}"], b"[y/N]", b"n\n", 1) for c in picks]
    # "erson 7": in the name keys of Person 7 and Person 70-74 (now named by the catalogue)
    runs += [
        (["show", "erson 7"], b"Which one", b"1\n", 0),
        (["rm", "erson 7"], b"Which one", b"2\n", 1),
    ]
    for argv, prompt, answer, expected in runs:
        code, screen = run_answering(argv, env, [(prompt, answer), (b"[y/N]", b"n\n")])
        text = screen.decode("utf-8", "replace")
        assert code == expected, (argv, text[-1000:])
        assert "Traceback" not in text and prompt.decode() in text, (argv, text[-1000:])
        found = leaks(screen)
        assert found == [], (argv, found[:5])


def test_a_vcard_uid_cannot_steer_the_vdir_out_of_its_folder(tmp_path, run):
    card = tmp_path / "evil.vcf"
    card.write_text(
        "".join(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:Evil {i}\r\nEND:VCARD\r\n"
            for i, uid in enumerate(
                ["../../pwned", "/tmp/minicrm-abs", "..", "a/../../b", "x\\..\\..\\y", "."]
            )
        ),
        encoding="utf-8",
    )
    run("import", str(card))
    vdir = tmp_path / "deep" / "vdir"
    before = files_under(tmp_path)
    run("export", "--format", "vcard", "--vdir", str(vdir))
    new = files_under(tmp_path) - before
    assert new and all(p == vdir.parent or p == vdir or p.parent == vdir for p in new), new
    assert len(list(vdir.iterdir())) == 6
    assert not Path("/tmp/minicrm-abs.vcf").exists()


def test_each_string_on_its_own(tmp_path, cli_env, soak):
    """Soak only: one database per string, every command and every show in a terminal,
    each command its own process."""
    if not soak:
        pytest.skip("soak mode only (pytest --soak)")
    env = terminal_env(cli_env)
    for index, string in enumerate(CATALOGUE):
        folder = tmp_path / f"s{index}"
        out = folder / "exports"
        out.mkdir(parents=True)
        env["MINICRM_DB"] = str(folder / "minicrm.db")
        ids = build(folder / "minicrm.db", [string])
        argvs = commands(ids, out, everything=True)
        for argv, (code, screen) in zip(argvs, run_in_ptys(argvs, env, 600), strict=True):
            _check_terminal_run(argv, code, screen)
        record_figures("single", 1, len(argvs))


FIGURES: dict[str, list[int]] = {}


def record_figures(kind: str, strings: int, commands_run: int) -> None:
    """Soak figures for docs/reliability.md (printed at the end with -s, and written to
    $MINICRM_SOAK_REPORT if set)."""
    total = FIGURES.setdefault(kind, [0, 0, 0])
    total[0] += strings
    total[1] += commands_run
    total[2] += strings * commands_run
    report = os.environ.get("MINICRM_SOAK_REPORT")
    if report:
        Path(report).write_text(json.dumps(FIGURES), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


def test_a_hostile_database_syncs_and_converges(tmp_path, run, db_path):
    """`sync contacts` of every hostile string (names, labels, tags, custom fields, notes,
    stages written straight into the database): no crash, every item a file or a listed
    problem, a second run changes nothing, and the text report escapes what it shows."""
    build(db_path, CATALOGUE)
    folder = tmp_path / "vdir"
    first = run("sync", "contacts", str(folder), "--json")
    assert "Traceback" not in first.stderr
    report = json.loads(first.stdout)
    written = len(list(folder.glob("*.vcf")))
    assert written + len(report["problems"]) >= report["items"] > 0
    again = json.loads(run("sync", "contacts", str(folder), "--json").stdout)
    assert again["changes"] == [] and again["conflicts"] == []
    assert again["files_read"] == 0
    for path in folder.glob("*.vcf"):  # what a phone would get: no file escapes, all CRLF
        assert path.parent == folder
    run("edit", f"#{ids_first(db_path)}", "--title", "Changed")
    text = run("sync", "contacts", str(folder)).stdout
    assert leaks(text.encode("utf-8")) == []


def ids_first(db: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT min(id) FROM contacts WHERE archived = 0").fetchone()[0])
    finally:
        conn.close()
