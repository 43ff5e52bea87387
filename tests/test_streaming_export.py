"""Issue 14.2: exports are written row by row, in bounded memory, and their output is
byte for byte what the writers that held everything in memory wrote.

The reference writers below are the old ones, frozen: the whole dump as one dict through
``json.dumps(indent=2)``, the CSV through one buffer, and the per-format functions that
take a list (``vcard.to_vcards``, ``google_csv.to_google_csv``, ``ics.to_ics``). The
database is made varied on purpose: every kind of row, empty tables, Unicode, control
characters, formula prefixes, photos, kept vCard lines, archived contacts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import minicrm
from minicrm.activity import followups
from minicrm.contacts import reading as contacts
from minicrm.core import clock
from minicrm.db.schema import DATA_TABLES, migration_names
from minicrm.interchange import exports
from minicrm.interchange.formats import google_csv, ics, vcard
from minicrm.interchange.formats.minicrm_csv import CONTACT_CSV_COLUMNS, contact_csv_row
from minicrm.ui.machine import guard_formula

DATA = Path(__file__).parent / "data" / "vcard"

HOSTILE = [
    "Zoë Ünïcödé 山田 太郎 👩‍💻",
    '=HYPERLINK("https://evil.example")',
    "'=quoted",
    "+1 555",
    "@handle",
    'back\\slash "quotes" \u2028 line sep',
    "esc \x1b[31m red \x7f del \x85 nel",
    "مرحبا \u202e evil",
]


@pytest.fixture
def varied(run, tmp_path, db_path):
    run("import", str(DATA / "apple.vcf"))  # photos, kept vCard lines, labels
    run("import", str(DATA / "android21.vcf"))
    for n, text in enumerate(HOSTILE):
        run(
            "add",
            f"{text} {n}",
            "-e",
            f"work:p{n}@example.org",
            "-p",
            f"+1 555 01{n:02d}",
            "-c",
            f"Company {n % 3} {text}",
            "--title",
            text,
            "--nickname",
            text,
            "--notes",
            f"{text}\nsecond line\r\nthird\ttab",
            "--set",
            f"k{n}={text}",
            "-t",
            "vip" if n % 2 else "lead",
            "--birthday",
            "may 17" if n % 2 else "1980-02-29",
            "--date",
            "anniversary:2015-06-20",
        )
    run("add", "Archived Person", "-e", "arch@example.org")
    run("archive", "archived")
    run("add", "Bare")
    run("follow", "p1@example.org", "Call =SUM(1)", "--due", "2026-12-01", "--every", "month")
    run(
        "follow",
        "p2@example.org",
        "Meet",
        "--due",
        "2026-12-03",
        "--at",
        "9am",
        "--priority",
        "high",
    )
    run("follow", "p3@example.org", HOSTILE[6], "--due", "2026-11-20")
    run("done", "3")
    run("log", "p1@example.org", "call", HOSTILE[5], "--with", "p2@example.org")
    run("log", "p4@example.org", "note", "ünïcödé\nnote")
    run("deal", "add", "p1@example.org", "Big deal", "--value", "1234.50", "--currency", "EUR")
    run("tag", "cadence", "vip", "10d")
    run("dupes", "p1@example.org", "p2@example.org", "--ignore")
    return db_path


# -- the old writers, frozen ----------------------------------------------------------------


def old_json(store, selected=None) -> str:
    if selected is None:
        data = {
            "format": "minicrm-dump",
            "version": 1,
            "schema": migration_names(),
            "tables": {t: store.query(f'SELECT * FROM "{t}" ORDER BY id') for t in DATA_TABLES},
        }
    else:
        data = exports.dump(store, selected)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def old_csv(selected, raw=False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CONTACT_CSV_COLUMNS)
    for c in selected:
        cells = ["" if v is None else str(v) for v in contact_csv_row(c)]
        writer.writerow(cells if raw else [guard_formula(v) for v in cells])
    return buffer.getvalue()


def old_ics(store, selected, whole) -> str:
    wanted = {c.id for c in selected}
    open_items = [  # one task per series (issue 18), closed series too
        t
        for t in followups.series_tasks(store)
        if whole or (t.followup.contact is not None and t.followup.contact.id in wanted)
    ]
    birthdays = [(c, "birthday", c.birthday) for c in selected if c.birthday and not c.archived]
    birthdays += [
        (c, d.label or "date", d.value) for c in selected if not c.archived for d in c.dates
    ]
    return ics.to_ics(open_items, birthdays, now_stamp=clock.utc_stamp())


CASES = [
    ((), "json", True),
    (("-t", "vip"), "json", False),
    (("--no-archived",), "json", False),
    ((), "csv", True),
    (("--raw",), "csv", True),
    (("-q", "p"), "csv", False),
    ((), "google", True),
    (("--raw", "-t", "lead"), "google", False),
    ((), "vcard", True),
    (("--vcard-version", "3"), "vcard", True),
    (("--no-photos", "-t", "vip"), "vcard", False),
    ((), "ics", True),
    (("-t", "vip"), "ics", False),
]


@pytest.mark.parametrize(
    ("args", "fmt", "whole"), CASES, ids=[" ".join(c[0]) or c[1] for c in CASES]
)
def test_export_is_byte_identical_to_the_old_writer(run, varied, tmp_path, args, fmt, whole):
    out = tmp_path / f"out.{fmt}"
    run("export", "-f", fmt, *args, "-o", str(out))
    written = out.read_bytes()
    piped = run("export", "-f", fmt, *args).stdout_bytes
    assert piped == written

    archived = None if fmt == "json" and "--no-archived" not in args else False
    criteria = {"archived": archived, "sort": "id"}
    if "-t" in args:
        criteria["tags"] = [args[args.index("-t") + 1]]
    if "-q" in args:
        criteria["query"] = args[args.index("-q") + 1]
    with minicrm.open_store(varied) as store:
        selected = contacts.list_contacts(store, **criteria)
        if fmt == "json":
            expected = old_json(store, None if whole else selected)
        elif fmt == "csv":
            expected = old_csv(selected, raw="--raw" in args)
        elif fmt == "google":
            expected = google_csv.to_google_csv(selected, raw="--raw" in args)
        elif fmt == "vcard":
            expected = vcard.to_vcards(
                selected,
                version="3.0" if "3" in args else "4.0",
                include_photo="--no-photos" not in args,
            )
        else:
            expected = old_ics(store, selected, whole)
    assert written == expected.encode("utf-8")
    assert len(selected) > 1


def test_the_compact_dump_is_the_same_data_on_one_line(run, varied, tmp_path):
    pretty = run("export").stdout
    compact = run("export", "--compact").stdout
    assert json.loads(compact) == json.loads(pretty)
    expected = json.dumps(json.loads(pretty), ensure_ascii=False, separators=(",", ":"))
    assert compact == expected + "\n"
    filtered = run("export", "--compact", "-t", "vip").stdout
    assert json.loads(filtered) == json.loads(run("export", "-t", "vip").stdout)
    run("export", "-f", "csv", "--compact", code=2)  # JSON only


def test_a_compact_dump_restores_identically(run, varied, tmp_path):
    target = str(tmp_path / "target.db")
    run("--db", target, "import", "-", input=run("export", "--compact").stdout)
    assert run("--db", target, "export").stdout == run("export").stdout


def test_the_library_writes_to_any_text_stream(varied):
    with minicrm.open_store(varied) as store:
        buffer = io.StringIO()
        count = exports.write_export(store, buffer, "vcard")
        assert buffer.getvalue() == exports.render(
            store, "vcard", contacts.list_contacts(store, sort="id"), whole=True
        )
        assert count == len(contacts.list_contacts(store))


def test_a_real_or_a_planted_value_is_written_as_python_writes_it(run, varied, tmp_path):
    # SQLite would print a REAL with 15 digits (0.30000000000000004 as 0.3): such a row is
    # encoded by Python, as before
    import sqlite3

    conn = sqlite3.connect(varied)
    conn.execute("UPDATE contacts SET cadence_days = 0.30000000000000004 WHERE id = 2")
    conn.execute("UPDATE followups SET occurrence = 1.5e-7 WHERE id = 1")
    conn.commit()
    conn.close()
    text = run("export").stdout
    with minicrm.open_store(varied) as store:
        assert text == old_json(store)
    assert "0.30000000000000004" in text and "1.5e-07" in text
    compact = run("export", "--compact").stdout
    assert json.loads(compact) == json.loads(text)
