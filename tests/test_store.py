"""The database file: where it lives, how it is created, what is refused, transactions."""

from __future__ import annotations

import sqlite3
import stat

import pytest

import minicrm
from minicrm.core.errors import DatabaseBusy, DatabaseError, InvalidInput
from minicrm.db import schema
from minicrm.db.opening import open_store


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_0600_in_0700_folder_in_wal(run, db_path):
    assert not db_path.exists()
    run("add", "Jane")
    assert mode(db_path) == 0o600
    assert mode(db_path.parent) == 0o700
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert names == schema.migration_names()


def test_every_connection_has_foreign_keys_and_busy_timeout(store):
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA busy_timeout") >= 30_000


def test_db_path_precedence(run, tmp_path, monkeypatch):
    assert run("db", "path").stdout.strip().endswith("data/minicrm.db")
    assert run("--db", str(tmp_path / "x.db"), "db", "path").stdout.strip() == str(
        tmp_path / "x.db"
    )
    monkeypatch.delenv("MINICRM_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    out = run("db", "path").stdout.strip()
    assert out == str(tmp_path / "xdg" / "minicrm" / "minicrm.db")
    assert not (tmp_path / "xdg").exists()  # db path does not create anything


def test_global_db_option_is_used(run, tmp_path):
    other = tmp_path / "other.db"
    run("--db", str(other), "add", "Elsewhere")
    assert [c["name"] for c in run.json("--db", str(other), "ls")] == ["Elsewhere"]
    assert run.json("ls") == []


def test_text_file_is_refused_and_unchanged(run, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_bytes(b"my precious notes\n")
    result = run("--db", str(text), "ls", code=6)
    assert "not a SQLite database" in result.stderr
    assert text.read_bytes() == b"my precious notes\n"
    run("--db", str(text), "add", "X", code=6)
    assert text.read_bytes() == b"my precious notes\n"


def test_directory_is_refused(run, tmp_path):
    run("--db", str(tmp_path), "ls", code=6)


def test_other_programs_sqlite_is_refused(run, tmp_path):
    other = tmp_path / "app.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    assert "another program" in run("--db", str(other), "ls", code=6).stderr
    assert other.read_bytes() == before


def test_newer_database_is_refused_byte_for_byte(run, db_path):
    run("add", "Jane")
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('minicrm', '9999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    files = {p.name: p.read_bytes() for p in db_path.parent.iterdir()}
    result = run("ls", code=6)
    assert "newer minicrm" in result.stderr and "9999_from_the_future" in result.stderr
    assert {p.name: p.read_bytes() for p in db_path.parent.iterdir()} == files


def test_migration_takes_a_0600_backup_first(run, db_path, monkeypatch):
    run("add", "Jane")

    def add_column(db):
        db.execute("ALTER TABLE contacts ADD COLUMN extra TEXT")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, ("9000_test", add_column)])
    assert run.json("ls")[0]["name"] == "Jane"
    backups = list(db_path.parent.glob("minicrm.db.before-9000_test.*.bak"))
    assert len(backups) == 1 and mode(backups[0]) == 0o600
    old = sqlite3.connect(backups[0])
    assert "extra" not in [r[1] for r in old.execute("PRAGMA table_info(contacts)")]
    assert old.execute("SELECT display_name FROM contacts").fetchall() == [("Jane",)]
    new = sqlite3.connect(db_path)
    assert "extra" in [r[1] for r in new.execute("PRAGMA table_info(contacts)")]
    run("ls")  # no pending migration: no second backup
    assert len(list(db_path.parent.glob("*.bak"))) == 1


def test_failed_migration_changes_nothing(run, db_path, monkeypatch):
    run("add", "Jane")

    def broken(db):
        db.execute("ALTER TABLE contacts ADD COLUMN extra TEXT")
        raise RuntimeError("boom")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, ("9000_broken", broken)])
    run("ls", code=1)
    monkeypatch.undo()
    conn = sqlite3.connect(db_path)
    assert "extra" not in [r[1] for r in conn.execute("PRAGMA table_info(contacts)")]
    assert [
        r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")
    ] == schema.migration_names()


def test_a_failing_command_rolls_back_everything(store):
    with pytest.raises(InvalidInput):
        minicrm.add_contact(
            store,
            "Jane",
            minicrm.ContactChanges(fields={"company": "Acme"}, add={"emails": ["bad"]}),
        )
    assert minicrm.list_companies(store) == []
    assert store.scalar("SELECT count(*) FROM history") == 0
    assert store.scalar("SELECT count(*) FROM changesets") == 0


def test_one_change_set_per_command_with_before_and_after(run, store):
    run("add", "Jane", "--email", "jane@acme.io", "--company", "Acme", "--tag", "vip")
    run("edit", "jane", "--title", "CTO")
    sets = store.query("SELECT * FROM changesets ORDER BY id")
    assert [s["command"] for s in sets] == [
        "minicrm add Jane --email jane@acme.io --company Acme --tag vip",
        "minicrm edit jane --title CTO",
    ]
    first = store.query("SELECT entity, op FROM history WHERE changeset_id = ?", [sets[0]["id"]])
    assert sorted((h["entity"], h["op"]) for h in first) == [
        ("companies", "insert"),
        ("contact_emails", "insert"),
        ("contact_tags", "insert"),
        ("contacts", "insert"),
        ("contacts", "update"),
    ]
    jane_uid = run.json("show", "jane")["uid"]
    edits = store.query("SELECT * FROM history WHERE changeset_id = ?", [sets[1]["id"]])
    title = next(h for h in edits if '"CTO"' in h["after"])
    assert title["uid"] == jane_uid and title["op"] == "update"
    assert '"title": null' in title["before"]


def test_rm_records_every_row_it_deletes(run, store):
    run("add", "Jane", "--email", "jane@acme.io", "--phone", "+1 555 0100", "--tag", "vip")
    run("rm", "jane", "--yes")
    last = store.scalar("SELECT max(id) FROM changesets")
    deleted = store.query(
        "SELECT entity FROM history WHERE changeset_id = ? AND op = 'delete'", [last]
    )
    assert sorted(h["entity"] for h in deleted) == [
        "contact_emails",
        "contact_phones",
        "contact_tags",
        "contacts",
    ]
    assert store.scalar("SELECT count(*) FROM contact_emails") == 0


def test_writes_outside_a_transaction_are_refused(store):
    with pytest.raises(RuntimeError):
        store.insert(
            "companies",
            {"uid": "x", "name": "A", "name_key": "a", "created_at": "", "updated_at": ""},
        )


def test_nested_transactions_are_savepoints(store):
    with store.transaction():
        minicrm.add_company(store, "Kept")
        with pytest.raises(InvalidInput), store.transaction():
            minicrm.add_company(store, "Dropped")
            raise InvalidInput("inner failure")
    assert [c.name for c in minicrm.list_companies(store)] == ["Kept"]


def test_busy_database_is_a_clear_error(db_path, run):
    run("add", "Jane")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        impatient = open_store(db_path, busy_timeout=0.2)
        with pytest.raises(DatabaseBusy) as info:
            minicrm.add_contact(impatient, "Blocked")
        assert info.value.exit_code == 5
        assert "0.2 s" in str(info.value)
        impatient.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_reads_are_not_blocked_by_a_writer(db_path, run):
    run("add", "Jane")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE contacts SET title = 'uncommitted'")
    try:
        assert run.json("show", "jane")["title"] is None  # WAL: readers see the last commit
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_damaged_file_is_a_database_error(run, db_path):
    run("add", "Jane")
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    db_path.write_bytes(bytes(data))
    for wal in db_path.parent.glob("minicrm.db-*"):
        wal.unlink()
    result = run("ls", code=6)
    assert result.stderr.startswith("minicrm: ")


def test_database_error_class():
    assert DatabaseError("x").exit_code == 6


def test_version_answers_without_loading_the_command_tree():
    import subprocess
    import sys

    code = (
        "import sys; sys.argv = ['minicrm', '--version']\n"
        "from minicrm.__main__ import main\n"
        "main()\n"
        "print(sorted(m for m in ('typer', 'rich', 'sqlite3', 'minicrm.contacts.service') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == [f"minicrm {minicrm.__version__}", "[]"]


def test_the_library_names_load_on_first_use():
    assert minicrm.add_contact.__module__ == "minicrm.contacts.service"
    assert "add_contact" in dir(minicrm)
    with pytest.raises(AttributeError):
        _ = minicrm.no_such_name


def test_bulk_inserts_record_the_same_history_as_single_ones(store):
    import json

    with store.transaction():
        single = store.insert(
            "contacts",
            {
                "uid": "u-1",
                "display_name": "Zoë «x»",
                "name_key": "zoe x",
                "created_at": "t",
                "updated_at": "t",
            },
        )
        store.insert(
            "contact_emails", {"contact_id": single, "value": "z@x.io", "value_key": "z@x.io"}
        )
        bulk = store.insert_many(
            "contacts",
            [
                {
                    "uid": f"u-{n}",
                    "display_name": f"N {n}",
                    "name_key": f"n {n}",
                    "notes": None,
                    "created_at": "t",
                    "updated_at": "t",
                }
                for n in (2, 3)
            ],
        )
        store.insert_many(
            "contact_emails", [{"contact_id": bulk[1], "value": "n@x.io", "value_key": "n@x.io"}]
        )
    history = store.query("SELECT entity, row_id, uid, before, after FROM history ORDER BY id")
    assert [(h["entity"], h["uid"]) for h in history] == [
        ("contacts", "u-1"),
        ("contact_emails", "u-1"),
        ("contacts", "u-2"),
        ("contacts", "u-3"),
        ("contact_emails", "u-3"),
    ]
    for h in history:  # each "after" is the stored row, column for column, in order
        row = store.get(h["entity"], h["row_id"])
        assert h["before"] is None
        assert list(json.loads(h["after"]).items()) == list(row.items())
