"""Opening the database: every command's :func:`open_store` (create on first use, check
the file, migrate), an in-memory one for scripts and tests, and the busy timeout.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from minicrm.core.errors import InvalidInput
from minicrm.db.files import check_database_file, create_file, make_private, side_files
from minicrm.db.migrate import migrate, prepare_schema
from minicrm.db.store import BUSY_TIMEOUT_SECONDS, Store, translate_sqlite_error

MAX_BUSY_TIMEOUT_SECONDS = 3600.0


def busy_timeout_setting(value: str | None) -> float:
    """How long a command waits for another process's lock: the ``MINICRM_BUSY_TIMEOUT``
    setting (seconds, 0 to 3600; unset or empty: 30)."""
    if value is None or not value.strip():
        return BUSY_TIMEOUT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_BUSY_TIMEOUT_SECONDS:  # also NaN
        raise InvalidInput(
            f"MINICRM_BUSY_TIMEOUT {value!r} is not a number of seconds from 0 to "
            f"{MAX_BUSY_TIMEOUT_SECONDS:g}",
            hint="e.g. MINICRM_BUSY_TIMEOUT=5, or unset it for 30",
        )
    return seconds


def connect(path: Path | str, timeout: float = BUSY_TIMEOUT_SECONDS) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=timeout)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def open_store(
    path: str | os.PathLike[str],
    command: str = "python",
    *,
    busy_timeout: float = BUSY_TIMEOUT_SECONDS,
) -> Store:
    """Open (creating on first use) and migrate the minicrm database at ``path``.

    Refuses, leaving the file untouched: a file that is not SQLite, a SQLite file of
    another program, and a database written by a newer minicrm.
    """
    path = Path(path)
    is_new = check_database_file(path)
    if is_new:
        create_file(path)
    notices = make_private(path) if is_new else []  # an adopted empty file, before SQLite
    there = [side for side in side_files(path) if side.exists()]
    try:
        conn = connect(path, busy_timeout)
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, busy_timeout) from exc
    try:
        prepared = prepare_schema(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        raise translate_sqlite_error(exc, busy_timeout) from exc
    except BaseException:
        conn.close()
        raise
    if not is_new:  # a database this minicrm accepts: only now is its mode ours to change
        made = frozenset(side for side in side_files(path) if side not in there)
        notices = make_private(path, made)  # (what SQLite made in this run: no word)
    store = Store(conn, path, command, busy_timeout)
    store.notices.extend(notices)
    store.notices.extend(prepared)
    return store


def memory_store(command: str = "python") -> Store:
    """A migrated in-memory database (for scripts and tests that need no file)."""
    conn = connect(":memory:")
    migrate(conn)
    return Store(conn, None, command)
