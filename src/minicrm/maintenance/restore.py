"""Restoring the database from a backup.

:func:`prepare_restore` / :func:`restore` replace the live database with a checked copy
of a backup, taking a backup of the current state first (:mod:`minicrm.maintenance.backups`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minicrm.core.config import Config
from minicrm.db import restore as db_restore
from minicrm.db.backup import backup_to
from minicrm.db.files import make_private
from minicrm.db.store import BUSY_TIMEOUT_SECONDS
from minicrm.maintenance.backups import (
    backups_folder,
    keep_count,
    make_private_dir,
    new_backup_path,
    prune,
    sweep_stale,
)


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    source: Path
    safety_backup: Path | None
    migrated: list[str]
    counts: dict[str, int]
    pruned: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # lines for stderr (not in --json)

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": str(self.database),
            "restored_from": str(self.source),
            "safety_backup": str(self.safety_backup) if self.safety_backup else None,
            "migrated": self.migrated,
            "counts": self.counts,
            "pruned": [str(p) for p in self.pruned],
        }


@contextmanager
def prepare_restore(
    db_path: str | os.PathLike[str], source: str | os.PathLike[str]
) -> Iterator[db_restore.Prepared]:
    """Check ``source`` before anything is replaced: it must be a minicrm database, not
    from a newer minicrm, and pass SQLite's integrity and foreign-key checks. Yields a
    validated (and, if older, migrated) temporary copy; the live database is untouched."""
    with db_restore.prepared_source(Path(source).expanduser(), Path(db_path)) as prepared:
        yield prepared


def restore(
    db_path: str | os.PathLike[str],
    prepared: db_restore.Prepared,
    *,
    keep: int | None = None,
    config: Config | None = None,
    busy_timeout: float | None = None,
) -> RestoreResult:
    """Replace the database at ``db_path`` with a prepared copy. A backup of the current
    database is written first (into ``backups/``, like `db backup`), then the copy goes
    into the live file through SQLite's backup API under its write lock."""
    live = Path(db_path)
    keep_n = keep_count(keep, config)
    notices = make_private(live)  # before the WAL and SHM are made with its mode
    swept = sweep_stale(live)
    notices += [swept] if swept else []
    wait = BUSY_TIMEOUT_SECONDS if busy_timeout is None else busy_timeout
    with db_restore.live_connection(live, wait) as (conn, has_data):
        safety = None
        if has_data:
            folder = backups_folder(live)
            make_private_dir(folder)
            safety = backup_to(
                conn,
                new_backup_path(folder, live.stem),
                next_name=lambda: new_backup_path(folder, live.stem),
            )
        db_restore.restore_into(prepared, conn, wait)
    pruned = prune(backups_folder(live), live.stem, keep_n, spare=safety) if safety else []
    return RestoreResult(
        live, prepared.source, safety, prepared.migrated, prepared.counts, pruned, notices
    )


_COUNT_WORDS = {
    "contacts": ("contact", "contacts"),
    "interactions": ("interaction", "interactions"),
    "followups": ("follow-up", "follow-ups"),
    "deals": ("deal", "deals"),
}


def describe_counts(counts: dict[str, int]) -> str:
    """``3 contacts, 1 interaction, ...`` for a confirmation or a report."""
    return ", ".join(
        f"{n} {_COUNT_WORDS[t][0] if n == 1 else _COUNT_WORDS[t][1]}" for t, n in counts.items()
    )


def restore_from(
    db_path: str | os.PathLike[str],
    source: str | os.PathLike[str],
    *,
    keep: int | None = None,
    config: Config | None = None,
) -> RestoreResult:
    """:func:`prepare_restore` and :func:`restore` in one call (for scripts)."""
    with prepare_restore(db_path, source) as prepared:
        return restore(db_path, prepared, keep=keep, config=config)
