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


def side_files(path: Path) -> list[Path]:
    """The -wal and -shm of the database at ``path`` (beside a link's target, where SQLite
    keeps them)."""
    real = os.path.realpath(path)
    return [Path(f"{real}-wal"), Path(f"{real}-shm")]


def make_private(path: Path, made: frozenset[Path] = frozenset()) -> list[str]:
    """Take the group's and others' permissions away from an existing database file of
    ours and from its -wal and -shm (an older tool, a copy or an adopted empty file may
    have left them readable by others; SQLite gives a -wal and -shm it creates the
    database's mode). The owner's own bits stay: a 0644 file becomes 0600, a read-only
    0444 one 0400, still read-only. Returns what was done, one line to say once (after
    this the files are private, so there is nothing to say the next time).

    ``made``: the -wal and -shm SQLite created in this run (they did not exist before it
    opened the database). They only followed the database's mode: tightened with it,
    without a word of their own. When the database itself cannot be changed (an
    immutable file, a read-only mount), it is not private and minicrm cannot make it
    so: its side files are left alone too, and nothing is said."""

    def loose(candidate: Path) -> int | None:
        try:
            st = candidate.stat()
        except OSError:
            return None
        mode = stat.S_IMODE(st.st_mode)
        return mode if st.st_uid == os.geteuid() and mode & 0o077 else None

    def tighten(candidate: Path, mode: int) -> bool:
        try:
            os.chmod(candidate, mode & 0o700)
        except OSError:  # immutable, a read-only file system: nothing minicrm can change
            return False
        return True

    mode = loose(path)
    if mode is not None and not tighten(path, mode):
        return []  # the database stays as it is: so do its side files
    said: list[tuple[Path, str, int]] = []  # (file, "" or its suffix, its mode)
    if mode is not None:
        said.append((path, "", mode))
    for side, suffix in zip(side_files(path), ("-wal", "-shm"), strict=True):
        side_mode = loose(side)
        if side_mode is not None and tighten(side, side_mode) and side not in made:
            said.append((side, suffix, side_mode))
    if not said:
        return []
    if said[0][1] == "":
        text = f"{path} was mode {mode:04o}, now {said[0][2] & 0o700:04o}"
        also = [suffix for _, suffix, _ in said[1:]]
        if also:
            text += f" (and its {' and '.join(also)})"
    elif len({m & 0o700 for _, _, m in said}) == 1:
        text = ", ".join(f"{c} was mode {m:04o}" for c, _, m in said)
        text += f"; now {said[0][2] & 0o700:04o}"
    else:
        text = ", ".join(f"{c} was mode {m:04o}, now {m & 0o700:04o}" for c, _, m in said)
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
