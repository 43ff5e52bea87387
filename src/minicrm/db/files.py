"""The database file itself: what may be opened as a minicrm database, creating it
private (0600, never through a symbolic link), and making an adopted file private.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from minicrm.core.errors import DatabaseError

SQLITE_HEADER = b"SQLite format 3\x00"


def check_database_file(path: Path) -> bool:
    """Refuse what cannot be a minicrm database. Returns True if the file is new/empty."""
    if path.exists() and not path.is_file():
        raise DatabaseError(f"{path} is not a file", hint="give --db a path to a file")
    if not path.exists():
        check_new_file(path)
        return True
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(f"cannot read {path}: {exc.strerror}") from exc
    if not header:
        check_new_file(path)
        return True
    if header != SQLITE_HEADER:
        raise DatabaseError(
            f"{path} is not a SQLite database; refusing to touch it",
            hint="point --db or MINICRM_DB at a minicrm database or a new file",
        )
    return False


def _owner_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def check_new_file(path: Path) -> None:
    """Refuse to create a database where it would not be private: through a symbolic link
    (SQLite would create the link's target with the umask's mode, 0644 under umask 022),
    or in an empty file that another user owns (they could read everything written to
    it, and its -wal and -shm would follow its mode). ``path`` does not exist or is an
    empty file."""
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        state = "an empty file" if target.exists() else "nothing"
        raise DatabaseError(
            f"{path} is a symbolic link to {target}, which is {state}; minicrm creates a "
            "new database only as a file of its own, not through a link",
            hint=f"give the link's target instead: --db {target}",
        )
    try:
        owner = path.stat().st_uid
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DatabaseError(f"cannot read {path}: {exc.strerror}") from exc
    if owner != os.geteuid():
        raise DatabaseError(
            f"{path} is an empty file owned by another user ({_owner_name(owner)}); "
            "refusing to create the database in it",
            hint="remove it, or give another path",
        )


def make_private(path: Path) -> list[str]:
    """Make an existing database file of ours, and its -wal and -shm, mode 0600 (an older
    tool, a copy or an adopted empty file may have left them readable by others; SQLite
    gives the -wal and -shm the database's mode). Returns what was done, one line to say
    once (after this the file is 0600, so there is nothing to say the next time)."""
    real = os.path.realpath(path)  # SQLite keeps the -wal and -shm beside a link's target
    loose: list[tuple[Path, str, int]] = []  # (file, "" or its suffix, its mode)
    for candidate, suffix in (
        (path, ""),
        (Path(f"{real}-wal"), "-wal"),
        (Path(f"{real}-shm"), "-shm"),
    ):
        try:
            st = candidate.stat()
        except OSError:
            continue
        if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) & 0o077:
            loose.append((candidate, suffix, stat.S_IMODE(st.st_mode)))
    done = []
    for candidate, suffix, mode in loose:
        try:
            os.chmod(candidate, 0o600)
        except OSError:  # a read-only file system: nothing minicrm can change
            continue
        done.append((candidate, suffix, mode))
    if not done:
        return []
    if done[0][1] == "":
        text = f"{path} was mode {done[0][2]:04o}, now 0600"
        also = [suffix for _, suffix, _ in done[1:]]
        if also:
            text += f" (and its {' and '.join(also)})"
    else:
        modes = ", ".join(f"{c} was mode {m:04o}" for c, _, m in done)
        text = f"{modes}; now 0600"
    return [f"made the database private: {text}"]


def create_file(path: Path) -> None:
    """Create the folders (each 0700) and an empty database file (0600) ourselves."""
    from minicrm.core.paths import make_private_dirs  # lazy: start-up

    try:
        make_private_dirs(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.close(fd)
    except FileExistsError:
        check_new_file(path)  # made meanwhile by another process: the same rules
    except OSError as exc:
        raise DatabaseError(f"cannot create the database at {path}: {exc.strerror}") from exc
