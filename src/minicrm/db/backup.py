"""Consistent copies of the database, created 0600 (SQLite's backup API).

A copy is written to a temporary name in the target folder, flushed to disk and only
then given its final name, so a crash, a full disk or Ctrl-C never leaves a half-written
file under a backup's name. ``db backup``, the copy taken before a restore and the copy
taken before a migration all go through :func:`backup_to`.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from minicrm.core import clock
from minicrm.core.errors import DatabaseError, MinicrmError

BACKUPS_FOLDER = "backups"  # beside the database: where `db backup` writes by default
MAX_NAME_TRIES = 1000


def backup_name_pattern(stem: str) -> re.Pattern[str]:
    """The names minicrm gives the backups of a database called ``<stem>.db``:
    ``<stem>-YYYYMMDDTHHMMSSZ.db``, then ``-2``, ``-3``... in the same second."""
    return re.compile(rf"{re.escape(stem)}-(\d{{8}}T\d{{6}}Z)(?:-(\d+))?\.db")


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


def backup_to(
    conn: sqlite3.Connection, dest: Path, *, next_name: Callable[[], Path] | None = None
) -> Path:
    """Write a consistent 0600 copy of ``conn``'s database to ``dest`` (which must not
    exist): to a temporary file beside it first, renamed once complete. With
    ``next_name``, a name that another process took meanwhile (two backups in the same
    second) is not an error: ``next_name()`` gives the next free one, and the finished
    copy goes there. Returns the name used. On any failure the temporary file is removed
    and a one-line :class:`MinicrmError` is raised."""
    try:
        tmp = temp_file(dest.parent, dest.name)
    except OSError as exc:
        raise write_failed(dest, exc) from exc
    try:
        copy_into(conn, tmp)
        for _ in range(MAX_NAME_TRIES):
            try:
                _place(tmp, dest)
                break
            except FileExistsError:
                if next_name is None:
                    raise
                dest = next_name()
        else:
            raise FileExistsError(errno.EEXIST, "File exists", str(dest))
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
    counter = 1

    def free_name() -> Path:
        nonlocal counter
        while True:
            suffix = "" if counter == 1 else f"-{counter}"
            dest = path.with_name(f"{path.name}.before-{first_pending}.{stamp}{suffix}.bak")
            counter += 1
            if not dest.exists():
                return dest

    return backup_to(conn, free_name(), next_name=free_name)


# -- what killed commands leave behind -----------------------------------------------------

# temp_file()'s names, and the companions SQLite may leave beside such a copy
_TEMP_NAME = re.compile(r"\.(?P<base>.+)\.tmp-(?P<pid>\d+)-\d+(?P<companion>-wal|-shm|-journal)?")
_CLOCK_SLACK = 2.0  # seconds: /proc gives a process's start to the second


@dataclass(frozen=True)
class TempFile:
    """A temporary file of a minicrm command that did not finish (killed, or the machine
    went down): ``pid`` is the process that made it, no longer running."""

    path: Path
    pid: int
    size: int
    companion: bool  # a -wal, -shm or -journal beside the copy itself


def temp_places(db_path: Path) -> list[tuple[Path, re.Pattern[str]]]:
    """Where the commands on the database ``db_path`` write their temporary copies, and
    which names (before ``.tmp-PID-N``) are theirs: beside the database a restore's copy,
    `db check PATH`'s copy and the backup before a migration; in ``backups/`` a backup."""
    name = re.escape(db_path.name)
    return [
        (db_path.parent, re.compile(rf"{name}\.restore|.+\.check|{name}\.before-.+\.bak")),
        (db_path.parent / BACKUPS_FOLDER, backup_name_pattern(db_path.stem)),
    ]


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), where /proc says it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, StopIteration):
        return None


def _in_use(pid: int, modified: float) -> bool:
    """Whether the process that named a temporary file after itself may still be writing
    it. No process ``pid``: no. A process ``pid`` that started after the file was last
    written is another one that got the same number: no. Otherwise (also when that
    cannot be told): yes, and the file is left alone."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, as another user's process
        pass
    started = _process_start(pid)
    return started is None or modified >= started - _CLOCK_SLACK


def stale_temp_files(places: Iterable[tuple[Path, re.Pattern[str]]]) -> list[TempFile]:
    """The temporary files in ``places`` (folder, the names that are minicrm's there)
    whose process is gone, sorted by path. Never a live process's, never a file whose name
    is not minicrm's own."""
    found: dict[Path, TempFile] = {}
    for folder, bases in places:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            match = _TEMP_NAME.fullmatch(entry.name)
            if match is None or not bases.fullmatch(match["base"]):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            pid = int(match["pid"])
            if _in_use(pid, info.st_mtime):
                continue
            path = Path(entry.path)
            found[path] = TempFile(path, pid, info.st_size, bool(match["companion"]))
    return [found[p] for p in sorted(found)]


def remove_stale_temp_files(places: Iterable[tuple[Path, re.Pattern[str]]]) -> list[TempFile]:
    """Remove what :func:`stale_temp_files` finds; returns what was removed."""
    removed = []
    for temp in stale_temp_files(places):
        try:
            temp.path.unlink()
        except FileNotFoundError:
            continue
        except OSError:  # not ours to remove (another user's folder): db check names it
            continue
        removed.append(temp)
    return removed


def size_text(size: int) -> str:
    """``312 bytes``, ``1.2 MB``: a file size for people."""
    if size < 1000:
        return f"{size} byte{'' if size == 1 else 's'}"
    value, unit = size / 1000, "kB"
    for bigger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"


def removed_notice(removed: list[TempFile]) -> str | None:
    """One line saying what :func:`remove_stale_temp_files` removed (None: nothing)."""
    if not removed:
        return None
    n = len(removed)
    names = ", ".join(t.path.name for t in removed[:3]) + (f" and {n - 3} more" if n > 3 else "")
    return (
        f"removed {n} temporary file{'' if n == 1 else 's'} left by interrupted minicrm "
        f"commands ({size_text(sum(t.size for t in removed))}): {names}"
    )
