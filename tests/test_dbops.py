"""db backup, db restore, db check [--repair]: consistent copies under a concurrent writer,
pruning, permissions, a full disk, restoring exactly and refusing bad files, and checks
that name what is broken."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import minicrm
from minicrm.db import schema
from minicrm.maintenance import backups
from minicrm.maintenance import check as checking
from minicrm.maintenance import restore as restoring

NAME = re.compile(r"minicrm-\d{8}T\d{6}Z(-\d+)?\.db")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def raw(db_path: Path, *statements: str) -> None:
    """Change the file behind minicrm's back (foreign keys off, like another tool)."""
    conn = sqlite3.connect(db_path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def check(run, *args: str, code: int = 0) -> dict:
    return json.loads(run("db", "check", "--json", *args, code=code).stdout)


def status(report: dict) -> dict[str, str]:
    return {c["name"]: c["status"] for c in report["checks"]}


_FILLED: list[bytes] = []


@pytest.fixture
def filled(run, contact_factory, db_path):
    """A database that went through the daily loop: recurrences done, skipped, stopped,
    reopened and removed; deals moved and won; interactions logged and removed. Built
    through the CLI once (the clock is frozen, so every build is the same), then copied."""
    if _FILLED:
        db_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_FILLED[0])
        return
    build(run, contact_factory)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    _FILLED.append(db_path.read_bytes())


def build(run, contact_factory) -> None:
    contact_factory("Jane Doe", "--email", "jane@acme.io", "--company", "Acme", "--tag", "vip")
    contact_factory("Bob Roe", "--email", "bob@roe.io")
    contact_factory("Gone Person")
    run("log", "jane", "call", "Discussed pricing")
    run("log", "jane", "meeting", "Kick-off", "--with", "bob", "--at", "yesterday 3pm")
    run("log", "gone", "note", "Will be removed")
    run("follow", "jane", "Weekly check-in", "--due", "tomorrow", "--every", "1w")  # 1
    run("done", "1")  # next: 2
    run("cancel", "2")  # skipped: next 3
    run("follow", "bob", "Monthly report", "--every", "1m", "--count", "2")  # 4
    run("done", "4")  # 5 (the last one)
    run("done", "5")  # count reached: no next
    run("follow", "bob", "Stopped", "--every", "1w")  # 6
    run("cancel", "6", "--stop")
    run("follow", "jane", "Removed next", "--every", "1w")  # 7
    run("done", "7")  # 8
    run("followup", "rm", "8", "--yes")
    run("follow", "jane", "Reopened", "--every", "2w")  # 9
    run("done", "9")  # 10
    run("reopen", "9")
    run("follow", "jane", "One-off", "--due", "+3d")
    run("deal", "add", "jane", "Big deal", "--value", "1000")
    run("deal", "move", "1", "proposal")
    run("deal", "add", "bob", "Small deal", "--value", "10")
    run("deal", "won", "2")
    run("interaction", "rm", "1", "--yes")
    run("rm", "gone", "--yes")


# -- backup ----------------------------------------------------------------------------


def test_backup_default_folder_names_permissions_and_content(run, db_path, filled):
    old = os.umask(0o022)
    try:
        first = run.json("db", "backup")
        second = run("db", "backup").stdout
    finally:
        os.umask(old)
    folder = db_path.parent / "backups"
    assert mode(folder) == 0o700
    files = [p.name for p in backups.list_backups(folder, "minicrm")]  # oldest first
    assert sorted(files) == sorted(p.name for p in folder.iterdir())
    assert len(files) == 2 and all(NAME.fullmatch(f) for f in files), files
    assert first == {
        "path": str(folder / files[0]),
        "bytes": (folder / files[0]).stat().st_size,
        "pruned": [],
    }
    assert files[1] == files[0].replace(".db", "-2.db")  # twice in one (frozen) second
    assert second.strip() == f"Backed up to {folder / files[1]}"
    for name in files:
        copy = folder / name
        assert mode(copy) == 0o600
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
        names = [r[0] for r in conn.execute("SELECT display_name FROM contacts ORDER BY id")]
        assert names == ["Jane Doe", "Bob Roe"]
        conn.close()


def test_backup_keeps_the_newest_n_and_touches_nothing_else(run, db_path, tmp_path):
    (tmp_path / "config.toml").write_text("[backups]\nkeep = 2\n")
    run("add", "Jane")
    folder = db_path.parent / "backups"
    folder.mkdir()
    foreign = ["notes.txt", "other-20260101T000000Z.db", "minicrm-mine.db", "minicrm-2026.db"]
    for name in foreign:
        (folder / name).write_text("keep me")
    store = minicrm.open_store(db_path)
    for _ in range(3):  # the same function the command calls
        backups.backup(store)
    store.close()
    report = run.json("db", "backup")
    assert [Path(p).name for p in report["pruned"]] == ["minicrm-20261122T093000Z-2.db"]
    mine = sorted(p.name for p in folder.iterdir() if NAME.fullmatch(p.name))
    assert mine == ["minicrm-20261122T093000Z-3.db", "minicrm-20261122T093000Z-4.db"]
    assert all((folder / name).read_text() == "keep me" for name in foreign)
    run("db", "backup", "--keep", "0")
    assert len([p for p in folder.iterdir() if NAME.fullmatch(p.name)]) == 3
    result = run("db", "backup", "--keep", "1")
    assert len([p for p in folder.iterdir() if NAME.fullmatch(p.name)]) == 1
    assert result.stderr.count("removed the old backup") == 3


def test_backup_keep_is_validated(run, tmp_path):
    run("add", "Jane")
    bad = run("db", "backup", "--keep", "-1", code=2)
    assert "--keep -1 is out of range" in bad.stderr
    (tmp_path / "config.toml").write_text('[backups]\nkeep = "ten"\n')
    bad = run("db", "backup", code=2)
    assert "backups.keep must be a whole number" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_backup_to_a_file_or_a_folder(run, tmp_path):
    run("add", "Jane")
    target = tmp_path / "copy.db"
    assert run.json("db", "backup", str(target))["path"] == str(target)
    assert mode(target) == 0o600
    again = run("db", "backup", str(target), code=2)
    assert "exists already" in again.stderr
    (tmp_path / "out").mkdir()
    made = Path(run.json("db", "backup", str(tmp_path / "out"))["path"])
    assert made.parent == tmp_path / "out" and NAME.fullmatch(made.name)
    missing = run("db", "backup", str(tmp_path / "no" / "such.db"), code=1)
    assert "its folder does not exist" in missing.stderr


def test_a_full_disk_leaves_no_stray_file(run, db_path):
    """The backup process may not write more than 64 KiB (RLIMIT_FSIZE): the copy fails
    as on a full disk; one clear line, and nothing left in the backups folder."""
    run("add", "Jane")
    assert db_path.stat().st_size > 65536
    folder = db_path.parent / "backups"
    folder.mkdir(mode=0o700)
    script = textwrap.dedent(
        """
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        sys.argv = ["minicrm", "db", "backup"]
        from minicrm.cli import main
        main()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ)
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("minicrm: cannot write the backup ")
    assert "free some disk space" in done.stderr and "Traceback" not in done.stderr
    assert list(folder.iterdir()) == []


WRITER = """
import os, sys
import minicrm
from minicrm.activity import followups, lifecycle
from minicrm.activity import interactions
store = minicrm.open_store(sys.argv[1], command="writer")
stop = sys.argv[2]
i = 0
while not os.path.exists(stop):
    contact = minicrm.add_contact(store, f"Writer {i}", minicrm.ContactChanges(
        add={"emails": [f"w{i}@example.org"]}, add_tags=["load"]))
    interactions.log(store, [f"#{contact.id}"], f"talk {i}", kind_="call")
    made = followups.add_followup(store, f"#{contact.id}", f"call back {i}", every="1w")
    lifecycle.complete(store, made.id)
    print(i, flush=True)
    i += 1
"""


def test_a_backup_taken_while_another_process_writes_passes_db_check(run, db_path, tmp_path):
    run("add", "Jane")
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    backups = []
    try:
        for _ in range(3):
            for _ in range(4):  # the writer is demonstrably writing between backups
                assert writer.stdout.readline(), writer.stderr.read() if writer.stderr else ""
            backups.append(Path(run.json("db", "backup")["path"]))
    finally:
        stop.touch()
        _, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    counts = []
    for backup in backups:
        result = run("--db", str(backup), "db", "check", "--json")
        assert json.loads(result.stdout)["ok"] is True
        conn = sqlite3.connect(backup)
        counts.append(conn.execute("SELECT count(*) FROM contacts").fetchone()[0])
        conn.close()
    assert counts == sorted(counts) and counts[0] >= 5  # copies of a database that grew
    run("db", "check")  # and the live database is fine too


def test_the_backup_before_a_migration_uses_the_same_safe_writer(run, db_path, monkeypatch):
    run("add", "Jane")
    calls = []
    from minicrm.db import backup as backup_module

    real = backup_module.backup_to

    def spy(conn, dest, **kwargs):
        calls.append(dest)
        return real(conn, dest, **kwargs)

    monkeypatch.setattr(backup_module, "backup_to", spy)
    monkeypatch.setattr(
        schema,
        "MIGRATIONS",
        [*schema.MIGRATIONS, ("9000_test", lambda db: db.execute("CREATE TABLE t (x)"))],
    )
    run("ls")
    assert len(calls) == 1 and calls[0].name.startswith("minicrm.db.before-9000_test.")
    assert mode(calls[0]) == 0o600


# -- check and repair --------------------------------------------------------------------


def test_a_database_used_every_which_way_passes(run, filled):
    report = check(run)
    assert report["ok"] is True and report["repaired"] == []
    assert set(status(report).values()) == {"ok"}
    text = run("db", "check").stdout.splitlines()
    assert text[0] == "ok    integrity" and len(text) == len(report["checks"])


def test_a_damaged_index_fails_with_its_name_and_repair_fixes_it(run, db_path, filled):
    raw(db_path, "UPDATE search_index_data SET block = zeroblob(length(block)) WHERE id > 1")
    result = run("db", "check", code=8)
    assert "FAIL  search_index: the index is damaged" in result.stdout
    assert result.stderr.strip() == (
        "minicrm: db check: 1 check failed: search_index "
        "(minicrm db check --repair fixes search_index)"
    )
    repaired = run("db", "check", "--repair")
    assert repaired.stdout.startswith("repaired  search_index: rebuilt the index (")
    assert check(run)["ok"] is True
    assert run.json("search", "jane") != []


def test_missing_stale_and_outdated_index_rows_are_named(run, db_path, filled):
    raw(
        db_path,
        "DELETE FROM search_index WHERE rowid IN (5, 9)",  # contacts 1 and 2
        "UPDATE search_index SET body = 'nonsense' WHERE rowid = 2 * 4 + 2",  # interaction 2
        "INSERT INTO search_index (rowid, kind, item_id, body) VALUES (999 * 4 + 3, 'followup', 999, 'x')",
    )
    report = check(run, code=8)
    index = next(c for c in report["checks"] if c["name"] == "search_index")
    assert index["summary"] == "2 contacts missing, 1 interaction out of date, 1 stale row"
    assert index["details"] == [
        "contact #1: missing",
        "contact #2: missing",
        "interaction #2: out of date",
        "index row 3999 belongs to nothing",
    ]
    assert index["repairable"] is True
    after = check(run, "--repair")
    assert after["ok"] is True and after["repaired"][0].startswith("search_index: rebuilt")


def test_broken_invariants_are_named_and_the_safe_ones_repaired(run, db_path, filled):
    store = minicrm.open_store(db_path)
    with store.snapshot():
        weekly = store.scalar("SELECT max(id) FROM followups WHERE title = 'Weekly check-in'")
    store.close()
    raw(
        db_path,
        "UPDATE contacts SET last_contacted_at = '2020-01-01T00:00:00Z' WHERE id = 1",
        f"UPDATE followups SET status = 'done', completed_at = '2026-11-22T09:30:00Z' WHERE id = {weekly}",
        "DELETE FROM interaction_contacts WHERE interaction_id = 2 AND contact_id = 2",
    )
    before = check(run, code=8)
    assert {k for k, v in status(before).items() if v == "fail"} == {
        "last_contacted",
        "followup_series",
    }
    lc = next(c for c in before["checks"] if c["name"] == "last_contacted")
    assert lc["details"][0].startswith("#1 Jane Doe: recorded 2020-01-01T00:00:00Z")
    # Bob's only interaction lost its link: his last-contacted time is now wrong too
    assert len(lc["details"]) == 2 and lc["details"][1].startswith("#2 Bob Roe")
    series = next(c for c in before["checks"] if c["name"] == "followup_series")
    assert series["details"] == [
        f"follow-up #{weekly} is done but the next occurrence (due 2026-12-14) is missing"
    ]
    after = check(run, "--repair")
    assert after["ok"] is True
    made = max(f["id"] for f in run.json("followup", "ls", "--status", "all"))
    assert after["repaired"] == [
        "last_contacted: set from the interactions for 2 contacts",
        f"followup_series: scheduled follow-up #{made} (occurrence 4, due 2026-12-14) "
        f"after #{weekly}",
    ]
    jane = run.json("show", "jane")
    assert jane["last_contacted_at"] != "2020-01-01T00:00:00Z"
    # the repair is recorded like any change
    store = minicrm.open_store(db_path)
    with store.snapshot():
        command = store.scalar("SELECT command FROM changesets ORDER BY id DESC LIMIT 1")
    store.close()
    assert "db check" in command and "--repair" in command


def test_what_cannot_be_repaired_stays_failed(run, db_path, filled):
    raw(
        db_path,
        "DELETE FROM interaction_contacts WHERE interaction_id = 2",  # the kick-off meeting
        "INSERT INTO followups (uid, contact_id, title, due_date, series_uid, series_start, "
        "occurrence, created_at, updated_at) VALUES ('u-x', 999, 'Orphan', '2026-12-01', "
        "(SELECT series_uid FROM followups WHERE id = 1), '2026-11-23T00:00', 1, 'x', 'x')",
        "UPDATE deals SET stage = 'negotiation' WHERE id = 1",
    )
    result = run("db", "check", "--repair", code=8)
    failed = {
        line.split()[1].rstrip(":")
        for line in result.stdout.splitlines()
        if line.startswith("FAIL")
    }
    assert {"foreign_keys", "interactions", "followup_series", "deal_stages"} <= failed
    assert "followups #" in result.stdout and "refers to a missing row of contacts" in result.stdout
    assert "are all occurrence 1 of one series" in result.stdout
    assert "deal #1 Big deal: stage negotiation, last recorded change to proposal" in result.stdout
    assert "restore a backup" in result.stderr


def test_an_occurrence_recorded_twice_is_named_in_any_series(run, db_path, filled):
    """A one-off follow-up copied (a series of exactly two) and a later occurrence of a
    long series copied: both named, each once (db check looks for duplicates only in
    series of more than one follow-up; these are the smallest such series and a large
    one)."""
    store = minicrm.open_store(db_path)
    with store.snapshot():
        one_off = store.scalar("SELECT id FROM followups WHERE title = 'One-off'")
        weekly = store.scalar("SELECT max(id) FROM followups WHERE title = 'Weekly check-in'")
    store.close()
    copy = (
        "INSERT INTO followups (uid, contact_id, title, due_date, series_uid, series_start, "
        "occurrence, created_at, updated_at) SELECT uid || '-copy', contact_id, title, "
        "due_date, series_uid, series_start, occurrence, created_at, updated_at "
        "FROM followups WHERE id = {}"
    )
    raw(db_path, copy.format(one_off), copy.format(weekly))
    report = check(run, code=8)
    series = next(c for c in report["checks"] if c["name"] == "followup_series")
    assert series["summary"] == "2 occurrences recorded twice"
    assert [d.split(" are all ")[1] for d in series["details"]] == [
        "occurrence 3 of one series",
        "occurrence 1 of one series",
    ]
    assert series["repairable"] is False


def test_unconfigured_stages_are_a_warning(run, tmp_path, contact_factory):
    contact_factory("Jane", "--stage", "customer")
    (tmp_path / "config.toml").write_text('[contacts]\nstages = ["lead", "paying"]\n')
    report = check(run)
    assert report["ok"] is True and status(report)["configured_stages"] == "warn"
    assert "1 contact in stage 'customer'" in run("db", "check").stdout


# -- restore -----------------------------------------------------------------------------


def export(run) -> dict:
    return json.loads(run("export").stdout)


def test_restore_refuses_in_a_script_and_asks_on_a_terminal(run, db_path, monkeypatch):
    run("add", "Jane")
    saved = run.json("db", "backup")["path"]
    run("add", "Bob")
    before = db_path.read_bytes()
    refused = run("db", "restore", saved, code=1)
    assert refused.stderr.strip() == (
        "minicrm: refusing to restore without --yes when not run from a terminal (add --yes)"
    )
    assert db_path.read_bytes() == before
    monkeypatch.setattr("minicrm.cli.common.interactive", lambda: True)
    no = run("db", "restore", saved, input="n\n", code=1)
    assert "(1 contact, 0 interactions, 0 follow-ups, 0 deals)?" in no.stderr
    assert len(run.json("ls")) == 2
    run("db", "restore", saved, input="y\n")
    assert [c["name"] for c in run.json("ls")] == ["Jane"]


def test_restore_is_exact_and_backs_up_the_current_database_first(run, db_path, filled):
    wanted = export(run)
    saved = run.json("db", "backup")["path"]
    run("add", "Later Person")
    run("log", "jane", "note", "after the backup")
    current = export(run)
    report = run.json("db", "restore", saved, "--yes")
    assert export(run) == wanted
    safety = Path(report["safety_backup"])
    assert safety.parent == db_path.parent / "backups" and mode(safety) == 0o600
    assert report["migrated"] == [] and report["counts"]["contacts"] == 2
    # the safety copy holds the state before the restore
    restored_back = run.json("db", "restore", str(safety), "--yes")
    assert export(run) == current and restored_back["safety_backup"] != str(safety)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert mode(db_path) == 0o600
    run("db", "check")


def test_restore_reaches_a_connection_already_open(run, db_path):
    run("add", "Jane")
    saved = run.json("db", "backup")["path"]
    run("add", "Bob")
    other = sqlite3.connect(db_path)
    assert other.execute("SELECT count(*) FROM contacts").fetchone()[0] == 2
    run("db", "restore", saved, "--yes")
    assert other.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1
    other.close()


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("kind", ["text", "other program", "newer", "corrupt", "missing"])
def test_restore_refuses_a_bad_backup_and_leaves_everything_untouched(run, db_path, tmp_path, kind):
    run("add", "Jane")
    bad = tmp_path / "bad.db"
    if kind == "text":
        bad.write_text("name,email\nJane,jane@acme.io\n")
        expected = (6, "is not a SQLite database")
    elif kind == "other program":
        raw(bad, "CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('x')")
        expected = (6, "is not a minicrm database (tables: notes)")
    elif kind == "newer":
        run("db", "backup", str(bad))
        raw(
            bad,
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('minicrm', '9999_future', '2030-01-01')",
        )
        expected = (6, "newer minicrm (unknown schema migrations: 9999_future)")
    elif kind == "corrupt":
        store = minicrm.open_store(db_path)
        with store.transaction():
            for i in range(50):
                minicrm.add_contact(store, f"Person {i} " + "x" * 200)
        store.close()
        run("db", "backup", str(bad))
        data = bytearray(bad.read_bytes())
        page = 4096
        for number in range(2, len(data) // page):
            data[number * page + 8 : number * page + 64] = b"\xff" * 56
        bad.write_bytes(bytes(data))
        expected = (6, "nothing was restored")
    else:
        expected = (3, "does not exist")
    before = files_of(db_path.parent)
    names = [c["name"] for c in run.json("ls")]
    result = run("db", "restore", str(bad), "--yes", code=expected[0])
    assert expected[1] in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert files_of(db_path.parent) == before  # no backup taken, no temporary file left
    assert [c["name"] for c in run.json("ls")] == names


def test_an_older_backup_is_migrated_as_it_is_restored(run, db_path, monkeypatch):
    run("add", "Jane")
    saved = run.json("db", "backup")["path"]
    monkeypatch.setattr(
        schema,
        "MIGRATIONS",
        [*schema.MIGRATIONS, ("9000_test", lambda db: db.execute("CREATE TABLE t (x)"))],
    )
    run("add", "Bob")  # migrates the live database
    report = run.json("db", "restore", saved, "--yes")
    assert report["migrated"] == ["9000_test"]
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")][-1] == "9000_test"
    conn.close()
    assert [c["name"] for c in run.json("ls")] == ["Jane"]


def test_restore_into_a_new_database_and_from_the_library(run, db_path, tmp_path):
    run("add", "Jane")
    saved = tmp_path / "saved.db"
    run("db", "backup", str(saved))
    fresh = tmp_path / "elsewhere" / "new.db"
    result = restoring.restore_from(fresh, saved)
    assert result.safety_backup is None and result.counts["contacts"] == 1
    assert mode(fresh) == 0o600
    store = minicrm.open_store(fresh)
    assert [c.name for c in minicrm.list_contacts(store)] == ["Jane"]
    assert checking.check(store).ok
    store.close()


def test_restore_refuses_to_replace_a_file_that_is_not_minicrms(run, db_path, tmp_path):
    run("add", "Jane")
    saved = tmp_path / "saved.db"
    run("db", "backup", str(saved))
    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    result = run("--db", str(target), "db", "restore", str(saved), "--yes", code=6)
    assert "refusing to replace it" in result.stderr
    assert target.read_text() == "my notes"


def test_a_backup_with_another_page_size_is_restored(run, db_path, tmp_path):
    """A WAL database cannot change its page size: the copy is rewritten to match."""
    run("add", "Jane")
    saved = tmp_path / "big-pages.db"
    run("db", "backup", str(saved))
    conn = sqlite3.connect(saved, isolation_level=None)
    conn.execute("PRAGMA page_size = 8192")
    conn.execute("VACUUM")
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 8192
    conn.close()
    run("add", "Bob")
    run("db", "restore", str(saved), "--yes")
    assert [c["name"] for c in run.json("ls")] == ["Jane"]
    run("db", "check")


def test_db_check_of_a_file_checks_a_copy_and_leaves_the_file_as_it_was(run, db_path, filled):
    folder = db_path.parent / "elsewhere"
    folder.mkdir()
    run("db", "backup", str(folder))  # a folder: a timestamped file in it
    [backup] = folder.iterdir()
    before = backup.read_bytes()
    assert check(run, str(backup))["ok"] is True
    raw(backup, "UPDATE search_index_data SET block = zeroblob(length(block)) WHERE id > 1")
    damaged = backup.read_bytes()
    result = run("db", "check", str(backup), code=8)
    assert "FAIL  search_index: the index is damaged" in result.stdout
    assert backup.read_bytes() == damaged and damaged != before
    assert sorted(p.name for p in folder.iterdir()) == [backup.name]  # no -wal, -shm, copy
    assert not [p for p in db_path.parent.iterdir() if ".check" in p.name]  # copy removed
    refused = run("db", "check", str(backup), "--repair", code=2)
    assert "--repair works on the database in use" in refused.stderr
    assert check(run)["ok"] is True  # the database in use was never involved
    run("db", "check", str(db_path.parent / "missing.db"), code=3)


@pytest.mark.parametrize(
    "damage",
    [
        "DROP TABLE search_index_data",
        "DROP TABLE search_index_config",
        "DELETE FROM search_index_config",
        "DROP TABLE search_index_content",
        "DELETE FROM search_index_docsize",
        "DROP TABLE search_index",
    ],
)
def test_an_index_missing_its_tables_is_named_and_rebuilt(run, db_path, filled, damage):
    raw(db_path, damage)
    failed = check(run, code=8)
    assert status(failed)["search_index"] == "fail"
    run("db", "check", "--repair")
    assert check(run)["ok"] is True
    assert run.json("search", "jane") != []


# -- db check on a database minicrm cannot write ------------------------------------------

READ_ONLY_SKIP = (
    "search_index: FTS5's integrity-check (the database is read-only: FTS5's own check "
    "needs to write)"
)


@pytest.fixture(params=["mode=ro", "query_only"])
def read_only(request, monkeypatch):
    """Every connection minicrm opens cannot write: SQLite's read-only open (as for a
    read-only file, folder or mount) or PRAGMA query_only. Works as root too, where
    chmod does not stop writes."""
    from minicrm.db import opening

    def connect(path, timeout=opening.BUSY_TIMEOUT_SECONDS):
        if request.param == "mode=ro":
            uri = Path(path).absolute().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=timeout)
        else:
            conn = sqlite3.connect(str(path), isolation_level=None, timeout=timeout)
            conn.execute("PRAGMA query_only = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    monkeypatch.setattr(opening, "connect", connect)


def test_a_read_only_database_passes_db_check_with_fts5s_check_skipped(
    run, db_path, filled, read_only
):
    report = check(run)
    assert report["ok"] is True
    assert set(status(report).values()) == {"ok"}  # search_index: the comparison ran
    assert report["skipped"] == [READ_ONLY_SKIP]
    result = run("db", "check")
    assert result.stdout.splitlines()[-1] == f"skip  {READ_ONLY_SKIP}"
    assert "FAIL" not in result.stdout and result.stderr == ""


def test_a_read_only_database_still_gets_the_index_compared(run, db_path, filled, read_only):
    raw(db_path, "DELETE FROM search_index WHERE rowid = 4 * 1 + 1")  # contact #1's row
    report = check(run, code=8)
    (index,) = [c for c in report["checks"] if c["name"] == "search_index"]
    assert index["status"] == "fail" and index["summary"] == "1 contact missing"
    assert report["skipped"] == [READ_ONLY_SKIP]
    assert {n for n, s in status(report).items() if s == "fail"} == {"search_index"}


def test_repair_of_a_read_only_database_says_it_cannot(run, db_path, filled, read_only):
    before = db_path.read_bytes()
    result = run("db", "check", "--repair", code=6)
    assert result.stdout == ""
    assert result.stderr.startswith(f"minicrm: cannot repair a read-only database: {db_path}")
    assert len(result.stderr.splitlines()) == 1
    assert db_path.read_bytes() == before


def test_a_really_read_only_file_is_checked_and_not_made_private(run, db_path, filled):
    """The real thing: a database file mode 0444 that minicrm cannot write nor chmod
    (immutable as root, where chmod alone would not stop root; skipped where chattr is
    not available). No claim about a -wal or -shm minicrm made itself meanwhile."""
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        pytest.skip("making a file immutable needs root and chattr")
    os.chmod(db_path, 0o444)
    if subprocess.run(["chattr", "+i", str(db_path)], capture_output=True).returncode:
        pytest.skip("this file system does not take chattr +i")
    try:
        result = run("db", "check")
        assert result.stdout.splitlines()[-1] == f"skip  {READ_ONLY_SKIP}"
        assert "FAIL" not in result.stdout and result.stderr == ""
        for _ in range(2):
            listed = run("ls")
            assert "Jane Doe" in listed.stdout and listed.stderr == ""
        refused = run("db", "check", "--repair", code=6)
        assert "cannot repair a read-only database" in refused.stderr
        run("add", "New Person", code=6)
    finally:
        subprocess.run(["chattr", "-i", str(db_path)], check=True)
    assert mode(db_path) == 0o444


def test_an_own_read_only_file_stays_read_only_when_made_private(run, db_path, filled):
    """A 0444 database of ours loses the others' read bits, not its read-only-ness:
    0400, not 0600."""
    os.chmod(db_path, 0o444)
    result = run("ls")
    assert (
        result.stderr == f"minicrm: made the database private: {db_path} was mode 0444, now 0400\n"
    )
    assert mode(db_path) == 0o400
    assert run("ls").stderr == ""


def test_a_loose_wal_and_shm_found_beside_the_database_are_named(run, db_path, filled):
    """A -wal and -shm that were there before (another process has the database open)
    and readable by others are tightened and named; the database itself was private."""
    held = sqlite3.connect(db_path, isolation_level=None)
    held.execute("PRAGMA wal_autocheckpoint = 0")  # (SQLite itself fixes an empty -wal)
    held.execute("UPDATE contacts SET notes = 'held' WHERE id = 1")
    wal, shm = Path(f"{db_path}-wal"), Path(f"{db_path}-shm")
    try:
        os.chmod(wal, 0o644)
        os.chmod(shm, 0o644)
        result = run("ls")
    finally:
        held.close()
    assert result.stderr == (
        f"minicrm: made the database private: {wal} was mode 0644, {shm} was mode 0644; now 0600\n"
    )
