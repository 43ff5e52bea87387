"""Databases of every schema version minicrm has shipped upgrade to the current one, intact,
after a 0600 backup; a database from a newer minicrm is refused and left byte-identical.

The fixtures (tests/fixtures/schema-<last migration>.db) were made by each version's own
command line: see tests/fixtures/make_fixtures.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from minicrm.db.schema import migration_names

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.glob("schema-*.db"))

# What each fixture holds (make_fixtures.py): by the first schema version that has it.
NAMES = {
    1: {"Ada Lovelace", "Grace Hopper", "Zoë Ünïcode-Ñame"},
    5: {"Katherine Johnson"},  # imported from a vCard
    9: {"Alan Turing"},  # two records merged into one
}


def level(path: Path) -> int:
    return int(path.stem.removeprefix("schema-")[:4])


def fixture_migrations(path: Path) -> list[str]:
    """The migrations the fixture's own minicrm applied, in order (migration numbers have
    gaps, and branches landed out of order: 0018 was made before 0017 was merged)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]
    finally:
        conn.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
                "'%VIRTUAL%' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%search%'"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def test_a_fixture_for_every_released_schema_version():
    names = [p.stem.removeprefix("schema-") for p in FIXTURE_FILES]
    released = ["0001_initial", "0002_daily_loop", "0003_digest_runs", "0004_interchange"]
    released.append("0005_search")
    assert set(released) <= set(names)
    known = migration_names()
    assert all(name in known for name in names), "a fixture records a migration we lost"
    for path in FIXTURE_FILES:
        assert path.stat().st_size < 200_000


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: p.stem)
def test_an_old_database_upgrades_intact_after_a_0600_backup(fixture, tmp_path, run):
    db = tmp_path / "old.db"
    shutil.copyfile(fixture, db)
    before = counts(db)
    old_sum = sha256(db)

    listing = run("--db", str(db), "ls", "--all", "--json").stdout
    names = {c["name"] for c in json.loads(listing)}
    for since, expected in NAMES.items():
        if level(fixture) >= since:
            assert expected <= names

    conn = sqlite3.connect(db)
    try:
        applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
        assert applied == migration_names()  # every current migration, in order
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    after = counts(db)
    for table, n in before.items():
        if table in after and table not in {"_sqlite_migrations", "changesets", "history"}:
            assert after[table] == n, table  # opening and migrating adds and drops nothing

    # the upgraded database serves reads and writes
    for args in (["show", "Grace Hopper"], ["due"], ["agenda"], ["search", "Ada"]):
        run("--db", str(db), *args)
    run("--db", str(db), "add", "New Person", "-e", "new@example.com")
    # minicrm's own invariants hold on the upgraded data too (e.g. the derived
    # last_contacted_at / last_interaction_id that migrations fill)
    run("--db", str(db), "db", "check")

    had = fixture_migrations(fixture)
    pending = [name for name in migration_names() if name not in had]
    backups = list(tmp_path.glob("old.db.before-*.bak"))
    if not pending:
        assert backups == []  # nothing to migrate, nothing copied
        return
    assert len(backups) == 1
    backup = backups[0]
    assert backup.name.startswith(f"old.db.before-{pending[0]}.")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert counts(backup) == before  # the copy is the database as it was
    bconn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        assert bconn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        recorded = [r[0] for r in bconn.execute("SELECT name FROM _sqlite_migrations")]
        assert recorded == had
    finally:
        bconn.close()
    assert sha256(db) != old_sum
    assert len(backups) == len(list(tmp_path.glob("*.bak")))  # later opens copy nothing


def _newer(tmp_path: Path) -> Path:
    """The newest fixture as a future minicrm would leave it: one more migration, one
    more table."""
    db = tmp_path / "future.db"
    shutil.copyfile(FIXTURE_FILES[-1], db)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE future_things (id INTEGER PRIMARY KEY, what TEXT)")
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('minicrm', '9999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    return db


@pytest.mark.parametrize(
    "args", [["ls"], ["add", "Someone"], ["import", "-"], ["export", "--format", "json"]]
)
def test_a_database_from_a_newer_minicrm_is_refused_untouched(tmp_path, run, args):
    db = _newer(tmp_path)
    old = sha256(db)
    result = run("--db", str(db), *args, code=6, input="")
    assert "newer minicrm" in result.stderr
    assert "9999_from_the_future" in result.stderr
    assert sha256(db) == old
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == ["future.db"]  # no -wal, -shm or backup left behind
