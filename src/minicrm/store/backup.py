"""Consistent copies of the database, created 0600 (SQLite's backup API).

A copy is written to a temporary name in the target folder, flushed to disk and only
then given its final name, so a crash, a full disk or Ctrl-C never leaves a half-written
file under a backup's name. ``db backup``, the copy taken before a restore and the copy
taken before a migration all go through :func:`backup_to`.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from minicrm import clock
from minicrm.errors import DatabaseError, MinicrmError


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temp_file(folder: Path, name: str) -> Path:
    """A new, empty 0600 file in ``folder`` for a copy being written (the umask would
    otherwise make SQLite's copy 0644)."""
    for attempt in range(1000):
        tmp = folder / f".{name}.tmp-{os.getpid()}-{attempt}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise MinicrmError(f"cannot create a temporary file in {folder}")


def _place(tmp: Path, dest: Path) -> None:
    """Give the finished copy its name, never replacing a file already there."""
    try:
        os.link(tmp, dest)  # fails if dest exists, unlike rename
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if dest.exists():
            raise FileExistsError(errno.EEXIST, "File exists", str(dest)) from None
        os.replace(tmp, dest)
    else:
        tmp.unlink()
    _fsync_dir(dest.parent)


def copy_into(conn: sqlite3.Connection, target_path: Path) -> None:
    """Copy ``conn``'s database into the (empty) file ``target_path`` with the backup API,
    in one step: SQLite copies every page under one read transaction, so the copy is one
    consistent state even while other processes write (in WAL mode they are not blocked).
    The copy is left in rollback-journal mode, one self-contained file, and flushed."""
    target = sqlite3.connect(str(target_path), isolation_level=None)
    try:
        conn.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()
    fd = os.open(target_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_failed(dest: Path, exc: BaseException) -> MinicrmError:
    """The one-line error for a copy that could not be written."""
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    else:
        reason = str(exc)
        lowered = reason.lower()
        full = "full" in lowered or "too large" in lowered or "disk i/o" in lowered
    if full:
        return MinicrmError(
            f"cannot write the backup {dest}: {reason}", hint="free some disk space"
        )
    if isinstance(exc, PermissionError) or "readonly" in reason.lower():
        return MinicrmError(
            f"cannot write the backup {dest}: {reason}", hint="check the folder's permissions"
        )
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return DatabaseError(f"cannot copy the database: {reason}")
    return MinicrmError(f"cannot write the backup {dest}: {reason}")


def backup_to(conn: sqlite3.Connection, dest: Path) -> Path:
    """Write a consistent 0600 copy of ``conn``'s database to ``dest`` (which must not
    exist): to a temporary file beside it first, renamed once complete. On any failure
    the temporary file is removed and a one-line :class:`MinicrmError` is raised."""
    try:
        tmp = temp_file(dest.parent, dest.name)
    except OSError as exc:
        raise write_failed(dest, exc) from exc
    try:
        copy_into(conn, tmp)
        _place(tmp, dest)
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        raise MinicrmError(f"{dest} exists already; not overwriting it") from None
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise write_failed(dest, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
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
