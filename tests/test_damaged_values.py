"""A stored JSON value damaged behind minicrm's back (a hand edit, another tool): reading
commands show the rest and say so in one line, a write that would overwrite it is refused,
`db check` names the row for every JSON column, and `--repair` moves unreadable text into
the contact's notes, recorded and undoable (issue 13.9)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import minicrm
from minicrm.db import jsonvalues
from minicrm.db.schema import JSON_COLUMNS
from minicrm.maintenance import check as checking

BROKEN = '{"k": "v'
VCARD = """BEGIN:VCARD
VERSION:3.0
FN:Jane Doe
EMAIL:jane@acme.io
X-SOCIAL:@jane
X-PET:Rex
END:VCARD
"""


def raw(db_path: Path, sql: str, params: tuple = ()) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def column(db_path: Path, sql: str) -> object:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def two(run, tmp_path, db_path):
    """Jane (custom fields, kept vCard properties, an email) and Bob."""
    card = tmp_path / "jane.vcf"
    card.write_text(VCARD)
    run("import", str(card))
    run("edit", "jane", "--set", "k=v", "--set", "team=red", "--set", "notes=Met at a fair")
    run("add", "Bob Roe", "--email", "bob@roe.io")
    assert column(db_path, "SELECT vcard_extra FROM contacts WHERE id = 1") != "[]"
    return db_path


def warning_line(stderr: str, *words: str) -> None:
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("minicrm: warning: a stored value is damaged and was left out: ")
    for word in words:
        assert word in stderr, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr


def check(run, *args: str, code: int = 0) -> dict:
    return json.loads(run("db", "check", "--json", *args, code=code).stdout)


def status(report: dict) -> dict[str, str]:
    return {c["name"]: c["status"] for c in report["checks"]}


def test_reading_commands_show_the_rest_and_say_so_once(run, two):
    raw(two, "UPDATE contacts SET custom = ? WHERE id = 1", (BROKEN,))
    listed = run("ls", "--json")
    warning_line(listed.stderr, "custom fields of contact #1", "not valid JSON", "--repair")
    people = {c["name"]: c for c in json.loads(listed.stdout)}
    assert people["Jane Doe"]["custom"] == {}
    assert people["Jane Doe"]["emails"][0]["value"] == "jane@acme.io"
    assert people["Jane Doe"]["vcard_properties"]  # the undamaged column is all there
    assert people["Bob Roe"]["emails"][0]["value"] == "bob@roe.io"
    shown = run("show", "1")
    assert "Jane Doe" in shown.stdout and "jane@acme.io" in shown.stdout
    warning_line(shown.stderr, "contact #1")
    assert json.loads(run("show", "1", "--json").stdout)["name"] == "Jane Doe"
    assert run("show", "2").stderr == ""  # Bob's page does not read Jane's fields
    for fmt in ("json", "csv", "vcard", "google", "ics"):
        done = run("export", "--format", fmt)
        if fmt != "ics":  # (no birthday, no follow-up: an empty calendar)
            assert "Jane Doe" in done.stdout and "Bob Roe" in done.stdout, fmt
        warning_line(done.stderr, "contact #1")
    dump = json.loads(run("export", "--format", "json").stdout)
    assert dump["tables"]["contacts"][0]["custom"] == BROKEN  # the dump keeps the text
    found = run("search", "jane")
    assert "Jane Doe" in found.stdout
    assert run("ls").stdout.count("Jane Doe") == 1


def test_writes_that_leave_the_value_alone_work_and_keep_it(run, two):
    raw(two, "UPDATE contacts SET custom = ? WHERE id = 1", (BROKEN,))
    edited = run("edit", "1", "--set", "title=CTO")
    warning_line(edited.stderr, "contact #1")
    assert column(two, "SELECT title FROM contacts WHERE id = 1") == "CTO"
    run("log", "jane", "call", "Talked")  # the search index is refreshed for Jane
    run("tag", "jane", "vip")
    assert column(two, "SELECT custom FROM contacts WHERE id = 1") == BROKEN
    assert "Jane Doe" in run("search", "talked").stdout


def test_a_write_that_would_overwrite_the_value_is_refused(run, two, tmp_path):
    raw(two, "UPDATE contacts SET custom = ? WHERE id = 1", (BROKEN,))
    before = column(two, "SELECT count(*) FROM history")
    refused = run("edit", "1", "--set", "team=blue", code=8)
    assert refused.stderr == (
        "minicrm: the custom fields of contact #1 cannot be read (not valid JSON); nothing "
        "was changed (minicrm db check --repair moves the unreadable text into the "
        "contact's notes)\n"
    )
    merged = run("merge", "2", "1", "--yes", code=8)
    assert "custom fields of contact #1 cannot be read" in merged.stderr
    card = tmp_path / "again.vcf"
    card.write_text(VCARD.replace("X-PET:Rex", "X-PET:Rex\nNOTE:again").replace("3.0", "3.0"))
    other = tmp_path / "more.csv"
    other.write_text("Name,E-mail,team\nJane Doe,jane@acme.io,blue\n")
    imported = run("import", str(other), "--map", "team=custom:team", code=8)
    assert "custom fields of contact #1 cannot be read" in imported.stderr
    assert column(two, "SELECT count(*) FROM history") == before
    assert column(two, "SELECT custom FROM contacts WHERE id = 1") == BROKEN


def test_db_check_names_every_damaged_json_value(run, two):
    """Before: `db check` blamed the search index for a broken custom value and passed
    with a broken vcard_extra. Each JSON column is checked now, with its row named."""
    assert set(JSON_COLUMNS) == {
        ("contacts", "custom"),
        ("contacts", "vcard_extra"),
        ("history", "before"),
        ("history", "after"),
    }
    raw(two, "UPDATE contacts SET custom = ? WHERE id = 1", (BROKEN,))
    raw(two, "UPDATE contacts SET vcard_extra = '[\"X-A:1\", 5]' WHERE id = 2")
    history_id = column(two, "SELECT max(id) FROM history WHERE before IS NOT NULL")
    raw(two, "UPDATE history SET before = '{\"id\": 1' WHERE id = ?", (history_id,))
    report = check(run, code=8)
    assert status(report)["json_values"] == "fail"
    assert status(report)["search_index"] == "ok"  # not blamed on the index any more
    (item,) = [c for c in report["checks"] if c["name"] == "json_values"]
    assert item["summary"].startswith("3 stored JSON values are damaged")
    changeset = column(two, f"SELECT changeset_id FROM history WHERE id = {history_id}")
    assert item["details"] == [
        f"contact #1 (Jane Doe): custom fields: not valid JSON: {BROKEN}",
        'contact #2 (Bob Roe): kept vCard properties: not an array of text: ["X-A:1", 5]',
        f"history row #{history_id} (change set #{changeset}): 'before' record: "
        'not valid JSON: {"id": 1',
    ]
    assert item["repairable"] is True
    text = run("db", "check", code=8)
    assert "FAIL  json_values: 3 stored JSON values are damaged" in text.stdout
    assert "minicrm db check --repair fixes json_values" in text.stderr


@pytest.mark.parametrize(
    "bad",
    ["[1, 2]", '{"k": 5}', '"text"', "null", "{", "\x00", '{"a": {"b": "c"}}'],
)
def test_any_value_of_the_wrong_shape_is_damage(run, two, bad):
    raw(two, "UPDATE contacts SET custom = ? WHERE id = 1", (bad,))
    report = check(run, code=8)
    assert status(report)["json_values"] == "fail", bad
    done = run("ls", "--json")
    warning_line(done.stderr, "contact #1")
    assert json.loads(done.stdout)[0]["custom"] == {}


def test_a_broken_vcard_extra_is_named_and_export_survives(run, two):
    raw(two, "UPDATE contacts SET vcard_extra = '[\"X-SOCIAL:@jane\"' WHERE id = 1")
    report = check(run, code=8)
    assert status(report)["json_values"] == "fail"
    vcard = run("export", "--format", "vcard")
    assert "FN:Jane Doe" in vcard.stdout and "FN:Bob Roe" in vcard.stdout
    assert "X-SOCIAL" not in vcard.stdout
    warning_line(vcard.stderr, "kept vCard properties of contact #1")


def test_repair_moves_the_unreadable_text_into_the_notes_recorded_and_undoable(run, two):
    raw(two, "UPDATE contacts SET custom = ? WHERE id = 1", (BROKEN,))
    raw(two, "UPDATE contacts SET vcard_extra = '[\"X-SOCIAL:@jane\"' WHERE id = 1")
    repaired = run("db", "check", "--repair")
    assert "repaired  json_values: moved 2 unreadable values into the notes of 1 contact" in (
        repaired.stdout
    )
    conn = sqlite3.connect(two)
    custom, extra, notes = conn.execute(
        "SELECT custom, vcard_extra, notes FROM contacts WHERE id = 1"
    ).fetchone()
    conn.close()
    assert (custom, extra) == ("{}", "[]")
    assert notes.startswith("Met at a fair\n\n")
    assert f"Custom fields (unreadable, kept by minicrm db check --repair):\n{BROKEN}" in notes
    assert (
        'Kept vCard properties (unreadable, kept by minicrm db check --repair):\n["X-SOCIAL:@jane"'
        in notes
    )
    assert check(run)["ok"] is True
    done = run("ls", "--json")
    assert done.stderr == ""
    jane = next(c for c in json.loads(done.stdout) if c["name"] == "Jane Doe")
    assert "Met at a fair" in jane["notes"]
    history = run.json("history", "jane")
    assert history[0]["command"].startswith("minicrm db check --repair")
    run("undo", "--yes")
    assert column(two, "SELECT custom FROM contacts WHERE id = 1") == BROKEN
    assert column(two, "SELECT notes FROM contacts WHERE id = 1") == "Met at a fair"


def test_a_damaged_history_record_is_named_not_repaired_and_blocks_only_its_undo(run, two):
    last = column(two, "SELECT max(id) FROM changesets")
    row = column(two, f"SELECT min(id) FROM history WHERE changeset_id = {last}")
    raw(two, "UPDATE history SET after = '{\"id\": 2,' WHERE id = ?", (row,))
    report = check(run, code=8)
    (item,) = [c for c in report["checks"] if c["name"] == "json_values"]
    assert item["repairable"] is False
    assert item["details"][0].startswith(f"history row #{row} (change set #{last}): 'after'")
    after = run("db", "check", "--repair", code=8)
    assert "restore a backup" in after.stderr
    for args in (["history"], ["history", "bob"]):
        listed = run(*args)
        assert "(its record is damaged: see minicrm db check)\n" in listed.stdout
        assert "Bob Roe" in listed.stdout
        warning_line(listed.stderr, f"'after' record of history row #{row}")
    refused = run("undo", "--yes", code=8)
    assert refused.stderr.startswith(
        f"minicrm: the 'after' record of history row #{row} (change set #{last}) cannot be read"
    )
    assert column(two, "SELECT count(*) FROM contacts") == 2


def test_the_library_reads_past_damage_and_remembers_it(two):
    raw(two, "UPDATE contacts SET custom = ? WHERE id = 1", (BROKEN,))
    store = minicrm.open_store(two)
    people = minicrm.list_contacts(store)
    assert sorted(p.name for p in people) == ["Bob Roe", "Jane Doe"]
    (damage,) = store.damaged.values()
    assert (damage.table, damage.row_id, damage.column) == ("contacts", 1, "custom")
    assert damage.problem == "not valid JSON"
    report = checking.check(store)
    assert not report.ok
    store.close()


def test_every_json_column_is_declared(run, tmp_path, db_path):
    """A database that went through imports, edits, merges, undo and deals: every text
    column holding JSON objects or arrays must be in schema.JSON_COLUMNS (so db check
    verifies it), and each declared column exists."""
    card = tmp_path / "jane.vcf"
    card.write_text(VCARD)
    run("import", str(card))
    run("edit", "jane", "--set", "k=v")
    run("add", "Jane D", "--email", "jd@acme.io")
    run("merge", "1", "2", "--yes")
    run("deal", "add", "jane", "Deal", "--value", "5")
    run("follow", "jane", "Call", "--due", "tomorrow", "--every", "1w")
    run("log", "jane", "call", "hi")
    run("undo", "--yes")
    conn = sqlite3.connect(db_path)
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%VIRTUAL%' "
            "AND name NOT LIKE 'search_index%' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    holding_json = set()
    for table in tables:
        for _, name, kind, *_ in conn.execute(f'PRAGMA table_info("{table}")').fetchall():
            if kind.upper() != "TEXT":
                continue
            for (value,) in conn.execute(f'SELECT "{name}" FROM "{table}"'):
                try:
                    parsed = json.loads(value) if value else None
                except ValueError:
                    continue
                if isinstance(parsed, dict | list):
                    holding_json.add((table, name))
                    assert (table, name) in JSON_COLUMNS, (table, name, value)
    for table, name in JSON_COLUMNS:
        names = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        assert name in names, (table, name)
    conn.close()
    assert holding_json == set(JSON_COLUMNS)


def test_decode_agrees_with_the_sql_check(db_path):
    """db check finds candidates in SQL (json_valid, json_type) and describes them with
    jsonvalues.decode: both say the same for values of every shape."""
    store = minicrm.open_store(db_path)
    minicrm.add_contact(store, "Ann")
    samples = ["{}", '{"a": "b"}', "[]", '["x"]', "[1]", '{"a": 1}', "{", "", "null", "5", "  {} "]
    for text in samples:
        with store.transaction():
            store.update("contacts", 1, {"custom": text})
        _, problem = jsonvalues.decode("contacts", "custom", text)
        found = checking.check(store)
        (item,) = [c for c in found.checks if c.name == "json_values"]
        assert (item.status == "fail") == (problem is not None), (text, item)
    store.close()


def test_sqlite_reading_damaged_json_is_a_damaged_value_not_a_damaged_file():
    """Any SQL left that meets a damaged value ("malformed JSON") says what it is (exit 8,
    see db check), not "database file is damaged or not SQLite" (exit 6)."""
    from minicrm.core.errors import DamagedValue
    from minicrm.db.store import translate_sqlite_error

    error = translate_sqlite_error(sqlite3.OperationalError("malformed JSON"))
    assert isinstance(error, DamagedValue) and error.exit_code == 8
    assert str(error) == (
        "a stored JSON value cannot be read (malformed JSON) (minicrm db check names it)"
    )
    damaged_file = translate_sqlite_error(sqlite3.DatabaseError("database disk image is malformed"))
    assert damaged_file.exit_code == 6
