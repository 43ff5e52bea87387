"""The migrations runner: which of minicrm's numbered migrations (:mod:`minicrm.db.schema`)
a database has, refusing one written by a newer minicrm or another program, and applying
the pending ones in one transaction (after a backup of a database that had data).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from minicrm.core.errors import DatabaseError
from minicrm.db.schema import (
    MIGRATION_SET,
    build_migrations,
    migration_names,
)


def applied_migrations(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """(applied minicrm migrations, other user tables)."""
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        if not r[0].startswith("sqlite_")
    ]
    applied: list[str] = []
    if "_sqlite_migrations" in tables:
        applied = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
                [MIGRATION_SET],
            ).fetchall()
        ]
    return applied, [t for t in tables if t != "_sqlite_migrations"]


def prepare_schema(conn: sqlite3.Connection, path: Path) -> list[str]:
    """Refuse what is not this minicrm's database, switch to WAL, migrate (after a
    backup). Returns what is worth saying (stale temporary files removed)."""
    known = migration_names()
    applied, other_tables = applied_migrations(conn)
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise DatabaseError(
            f"{path} was written by a newer minicrm (unknown schema migrations: "
            f"{', '.join(unknown)}); refusing to touch it",
            hint="upgrade minicrm",
        )
    if not applied and other_tables:
        raise DatabaseError(
            f"{path} is a SQLite database of another program (tables: "
            f"{', '.join(sorted(other_tables)[:5])}); refusing to touch it",
            hint="point --db or MINICRM_DB at a minicrm database or a new file",
        )
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if str(mode).lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    pending = [name for name in known if name not in applied]
    if not pending:
        return []
    said: list[str] = []
    if applied:
        from minicrm.db import backup  # lazy: start-up

        notice = backup.removed_notice(backup.remove_stale_temp_files(backup.temp_places(path)))
        said += [notice] if notice else []
        backup.backup_before_migration(conn, path, pending[0])
    migrate(conn)
    return said


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply pending migrations in one IMMEDIATE transaction; check the result."""
    import sqlite_utils

    conn.execute("BEGIN IMMEDIATE")
    try:
        applied, _ = applied_migrations(conn)  # another process may have migrated
        pending = [name for name in migration_names() if name not in applied]
        if pending:
            db = sqlite_utils.Database(conn, execute_plugins=False, recursive_triggers=False)
            build_migrations().apply(db)
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise DatabaseError(
                    f"migration left {len(problems)} broken references; nothing was changed"
                )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return pending
