"""Backups of the database file.

:func:`backup` writes a consistent 0600 copy (SQLite's backup API, to a temporary name
renamed once complete) into ``backups/`` beside the database, named
``<name>-YYYYMMDDTHHMMSSZ.db``, and keeps the newest N of those files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minicrm.core import clock
from minicrm.core.config import MAX_BACKUPS_KEEP, Config, load_config, valid_keep
from minicrm.core.errors import InvalidInput, MinicrmError
from minicrm.core.paths import make_private_dirs
from minicrm.db import backup as copies
from minicrm.db.backup import BACKUPS_FOLDER, backup_name_pattern, backup_to
from minicrm.db.store import Store

_STAMP = "%Y%m%dT%H%M%SZ"


def backups_folder(db_path: Path) -> Path:
    """Where `db backup` writes by default: ``backups/`` beside the database."""
    return db_path.parent / BACKUPS_FOLDER


def backup_pattern(stem: str) -> re.Pattern[str]:
    """The names minicrm gives the backups of a database called ``<stem>.db``; pruning
    touches nothing else."""
    return backup_name_pattern(stem)


def sweep_stale(db_path: Path, *extra: tuple[Path, re.Pattern[str]]) -> str | None:
    """Remove the temporary files that killed commands on this database left behind
    (their process is gone; never a running one's); one line saying so, or None."""
    places = [*copies.temp_places(db_path), *extra]
    return copies.removed_notice(copies.remove_stale_temp_files(places))


def make_private_dir(folder: Path) -> None:
    """Create ``folder`` (and missing parents) 0700, whatever the umask; an existing
    folder is left as it is."""
    if folder.exists():
        if not folder.is_dir():
            raise MinicrmError(f"{folder} is not a folder")
        return
    try:
        make_private_dirs(folder)
    except OSError as exc:
        raise MinicrmError(f"cannot create the folder {folder}: {exc.strerror}") from exc


def new_backup_path(folder: Path, stem: str) -> Path:
    """``<stem>-<UTC time>.db``, or ``-2``, ``-3``... after the highest number already
    used in that second (so names sort in the order they were written, even after
    pruning freed a lower one)."""
    stamp = clock.now().strftime(_STAMP)
    pattern = backup_pattern(stem)
    used = 0
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError:
        names = []
    for name in names:
        match = pattern.fullmatch(name)
        if match and match.group(1) == stamp:
            used = max(used, int(match.group(2) or 1))
    dest = folder / (f"{stem}-{stamp}.db" if used == 0 else f"{stem}-{stamp}-{used + 1}.db")
    counter = used + 1
    while dest.exists():  # a file of that name that is not a backup (a folder, say)
        counter += 1
        dest = folder / f"{stem}-{stamp}-{counter}.db"
    return dest


def list_backups(folder: Path, stem: str) -> list[Path]:
    """minicrm's backups of ``<stem>.db`` in ``folder``, oldest first."""
    pattern = backup_pattern(stem)
    found: list[tuple[str, int, Path]] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for path in entries:
        match = pattern.fullmatch(path.name)
        if match and path.is_file() and not path.is_symlink():
            found.append((match.group(1), int(match.group(2) or 1), path))
    return [path for *_, path in sorted(found)]


def prune(folder: Path, stem: str, keep: int, *, spare: Path | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` of minicrm's backups in ``folder`` (0: keep
    all). ``spare`` (the copy just written) is never deleted. Returns what was deleted."""
    if keep <= 0:
        return []
    backups = list_backups(folder, stem)
    doomed = [p for p in backups[: max(len(backups) - keep, 0)] if p != spare]
    removed = []
    for path in doomed:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise MinicrmError(f"cannot remove the old backup {path}: {exc.strerror}") from exc
        removed.append(path)
    return removed


def keep_count(keep: int | None, config: Config | None) -> int:
    if keep is None:
        return (config or load_config()).backups_keep
    if not valid_keep(keep):
        raise InvalidInput(
            f"--keep {keep} is out of range", hint=f"0 (keep all) to {MAX_BACKUPS_KEEP}"
        )
    return keep


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    pruned: list[Path] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "bytes": self.size, "pruned": [str(p) for p in self.pruned]}


def backup(
    store: Store,
    dest: str | os.PathLike[str] | None = None,
    *,
    keep: int | None = None,
    config: Config | None = None,
) -> BackupResult:
    """Write a consistent copy of the database while other processes may be writing.

    ``dest``: None for ``backups/`` beside the database, a folder (a new timestamped name
    in it), or a new file. In a folder, only the newest ``keep`` of minicrm's backups are
    kept (default: the config's ``[backups] keep``; 0 keeps all); a file is never pruned.
    """
    if store.path is None:
        raise InvalidInput("an in-memory database has no file to back up")
    stem = store.path.stem
    generated = True
    if dest is None:
        folder = backups_folder(store.path)
        make_private_dir(folder)
    else:
        given = Path(dest).expanduser()
        if given.is_dir():
            folder = given
        else:
            generated = False
            if given.exists():
                raise InvalidInput(
                    f"{given} exists already; not overwriting it",
                    hint="give a new file name or a folder",
                )
            if not given.parent.is_dir():
                raise MinicrmError(f"cannot write the backup {given}: its folder does not exist")
            folder = given.parent
    keep_n = keep_count(keep, config) if generated else 0
    target = new_backup_path(folder, stem) if generated else Path(dest).expanduser()  # type: ignore[arg-type]
    mine = backup_pattern(stem) if generated else re.compile(re.escape(target.name))
    notice = sweep_stale(store.path, (folder, mine))
    if notice:
        store.notices.append(notice)
    # another backup may take the name in the same second: then the next one
    written = backup_to(
        store.conn, target, next_name=(lambda: new_backup_path(folder, stem)) if generated else None
    )
    pruned = prune(folder, stem, keep_n, spare=written) if generated else []
    return BackupResult(written, written.stat().st_size, pruned)
