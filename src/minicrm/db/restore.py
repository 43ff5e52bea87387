"""Database files put back from a backup: a checked (and, if older, migrated) temporary
copy of a source file, made before anything is replaced, and that copy written into the
live database through SQLite's backup API under its write lock. What `db restore` and
`db check FILE` need below the domain (:mod:`minicrm.maintenance.restore` decides).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from minicrm.core.errors import DatabaseError, MinicrmError, NotFound
from minicrm.core.paths import make_private_dirs
from minicrm.db.backup import copy_into, temp_file
from minicrm.db.files import SQLITE_HEADER, check_new_file, create_file
from minicrm.db.migrate import applied_migrations, migrate
from minicrm.db.opening import connect
from minicrm.db.schema import migration_names
from minicrm.db.store import BUSY_TIMEOUT_SECONDS, translate_sqlite_error


@dataclass
class Prepared:
    """A validated copy of a restore's source, migrated to this minicrm's schema."""

    source: Path
    copy: Path
    migrated: list[str]
    counts: dict[str, int]


def _readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection that leaves no trace beside ``path``. A file in WAL mode read
    with ``mode=ro`` would get new, empty ``-wal``/``-shm`` companions that nothing removes;
    without a ``-wal`` file there is nothing un-checkpointed and no writer at work, so the
    file is opened ``immutable`` (no locks, no companions). With one, a writer may be at
    work: plain read-only, which sees its committed changes."""
    uri = path.resolve().as_uri()
    if not Path(f"{path}-wal").exists():
        return sqlite3.connect(uri + "?immutable=1", uri=True, isolation_level=None)
    return sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None)


def _require_sqlite(path: Path, what: str, action: str = "nothing was restored") -> None:
    if not path.exists():
        raise NotFound(f"{what} {path} does not exist", hint="give the path of a backup")
    if not path.is_file():
        raise DatabaseError(f"{what} {path} is not a file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(f"cannot read {path}: {exc.strerror}") from exc
    if header != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a SQLite database; {action}")


def _require_minicrm(conn: sqlite3.Connection, path: Path, action: str) -> list[str]:
    """The minicrm migrations ``path`` records; refuses another program's file and a
    newer minicrm's."""
    applied, other = applied_migrations(conn)
    unknown = [name for name in applied if name not in migration_names()]
    if unknown:
        raise DatabaseError(
            f"{path} was written by a newer minicrm (unknown schema migrations: "
            f"{', '.join(unknown)}); {action}",
            hint="upgrade minicrm",
        )
    if not applied:
        tables = f" (tables: {', '.join(sorted(other)[:5])})" if other else ""
        raise DatabaseError(f"{path} is not a minicrm database{tables}; {action}")
    return applied


@contextmanager
def _temporary_copy(
    source: Path, folder: Path, name: str, what: str, action: str
) -> Iterator[Path]:
    """A consistent copy of the SQLite file ``source``, read through a read-only
    connection, in a new 0600 file in ``folder``; removed (with any -wal/-shm/-journal)
    afterwards. ``what``/``action`` word the errors ("backup", "nothing was restored")."""
    _require_sqlite(source, what, action)
    try:
        make_private_dirs(folder)
        tmp = temp_file(folder, name)
    except OSError as exc:
        raise DatabaseError(f"cannot write in {folder}: {exc.strerror}") from exc
    try:
        try:
            src = _readonly(source)
            try:
                copy_into(src, tmp)
            finally:
                src.close()
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot read {source}: {exc}; {action}") from exc
        except OSError as exc:
            raise MinicrmError(
                f"cannot copy {source}: {exc.strerror}", hint="free some disk space"
            ) from exc
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)


@contextmanager
def prepared_source(source: Path, live: Path) -> Iterator[Prepared]:
    """Copy ``source`` (read-only, consistently) into a temporary 0600 file beside the
    live database, check the copy (a minicrm database, not newer, passing SQLite's
    integrity and foreign-key checks), migrate it if it is older, and yield it. The
    temporary file is removed afterwards. The live database is not touched."""
    nothing = "nothing was restored"
    with _temporary_copy(source, live.parent, live.name + ".restore", "backup", nothing) as tmp:
        conn = connect(tmp)
        try:
            try:
                _require_minicrm(conn, source, nothing)
                problems = [r[0] for r in conn.execute("PRAGMA integrity_check(5)").fetchall()]
                if problems != ["ok"]:
                    raise DatabaseError(
                        f"{source} is damaged ({'; '.join(problems)}); {nothing}",
                        hint="restore an older backup",
                    )
                if conn.execute("PRAGMA foreign_key_check").fetchall():
                    raise DatabaseError(
                        f"{source} has broken references; {nothing}",
                        hint="restore an older backup",
                    )
                migrated = migrate(conn)
                counts = {
                    table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                    for table in ("contacts", "interactions", "followups", "deals")
                }
            except sqlite3.DatabaseError as exc:
                raise DatabaseError(
                    f"{source} is damaged or not SQLite ({exc}); {nothing}"
                ) from exc
        finally:
            conn.close()
        yield Prepared(source, tmp, migrated, counts)


@contextmanager
def checked_copy(source: Path, folder: Path) -> Iterator[Path]:
    """A temporary 0600 copy of the minicrm database file ``source`` in ``folder``, read
    through a read-only connection and migrated if it is older (``source`` itself is never
    written: no WAL switch, no migration), removed afterwards. A file SQLite cannot read
    at all is a DatabaseError."""
    nothing = "nothing was checked"
    with _temporary_copy(source, folder, source.name + ".check", "database", nothing) as tmp:
        conn = connect(tmp)
        try:
            _require_minicrm(conn, source, nothing)
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"{source} is damaged or not SQLite ({exc})") from exc
        finally:
            conn.close()
        yield tmp


@contextmanager
def live_connection(
    live: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS
) -> Iterator[tuple[sqlite3.Connection, bool]]:
    """A connection to the database a restore replaces, and whether it holds anything.
    Refuses (untouched) a file that is not SQLite, another program's database and a
    newer minicrm's; creates the file (0600) when there is none."""
    is_new = not live.exists() or (live.is_file() and live.stat().st_size == 0)
    if live.exists() and not live.is_file():
        raise DatabaseError(f"{live} is not a file", hint="give --db a path to a file")
    if is_new:
        check_new_file(live)  # never through a link, never into another user's file
        create_file(live)
    else:
        with live.open("rb") as handle:
            if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise DatabaseError(
                    f"{live} is not a SQLite database; refusing to replace it",
                    hint="move it aside and restore again",
                )
    try:
        conn = connect(live, busy_timeout)
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, busy_timeout) from exc
    try:
        if not is_new:
            try:
                applied, other = applied_migrations(conn)
            except sqlite3.DatabaseError as exc:
                raise DatabaseError(
                    f"cannot read {live} ({exc}); refusing to replace it",
                    hint="move it aside and restore again",
                ) from exc
            if applied or other:
                _require_minicrm(conn, live, "refusing to replace it")
            else:
                is_new = True
        yield conn, not is_new
    finally:
        conn.close()


_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED


def _give_up_when_busy(status: int, remaining: int, total: int) -> None:
    """The backup API's progress hook. A step that returns BUSY has already waited the
    live connection's busy timeout for another process's lock; Python's backup() would
    then sleep and try again for ever: stop instead (the live database is unchanged)."""
    if status in _BUSY_CODES:
        raise sqlite3.OperationalError("database is locked")


def restore_into(
    prepared: Prepared, conn: sqlite3.Connection, busy_timeout: float = BUSY_TIMEOUT_SECONDS
) -> None:
    """Copy the prepared database into the live one through SQLite's backup API: the
    pages are written under the live database's write lock, in one transaction that
    other processes see atomically (they wait, or keep reading the old state until it
    commits); the live file, its WAL and its readers stay valid. Then the live file is
    put back in WAL mode and checked."""
    try:
        src = connect(prepared.copy)
        try:
            src_size = src.execute("PRAGMA page_size").fetchone()[0]
            live_size = conn.execute("PRAGMA page_size").fetchone()[0]
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if src_size != live_size and mode == "wal":
                # a WAL database cannot change its page size: rewrite the copy to match
                src.execute(f"PRAGMA page_size = {int(live_size)}")
                src.execute("VACUUM")
            src.backup(conn, progress=_give_up_when_busy)
        finally:
            src.close()
        if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        problems = [r[0] for r in conn.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, busy_timeout) from exc
    if problems != ["ok"]:
        raise DatabaseError(f"the restored database fails its check: {'; '.join(problems)}")
