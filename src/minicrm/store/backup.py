"""Consistent copies of the database, created 0600 (SQLite's backup API)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from minicrm import clock


def backup_to(conn: sqlite3.Connection, dest: Path) -> Path:
    """Write a consistent copy of ``conn``'s database to ``dest`` (which must not exist).

    The file is created 0600 before SQLite writes to it: the backup API and VACUUM INTO
    would otherwise create it with the umask (0644 from a 0600 source).
    """
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        target = sqlite3.connect(str(dest))
        try:
            conn.backup(target)
        finally:
            target.close()
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return dest


def backup_before_migration(conn: sqlite3.Connection, path: Path, first_pending: str) -> Path:
    """The copy taken next to the database before its schema changes."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    dest = path.with_name(f"{path.name}.before-{first_pending}.{stamp}.bak")
    counter = 1
    while dest.exists():
        counter += 1
        dest = path.with_name(f"{path.name}.before-{first_pending}.{stamp}-{counter}.bak")
    return backup_to(conn, dest)
