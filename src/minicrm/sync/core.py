"""The sync core: two-way sync of one kind of record with one vdir, whatever the kind.

An item kind (contacts, tasks, ...) plugs in through :class:`Kind`; the core does the
rest, the same way for every kind:

- lists the folder (stat only: vdirsyncer's etags) and reads only files whose etag moved;
- asks the kind which local records may have changed since the last sync
  (:meth:`Kind.changed_since`, from the history table) and loads only those;
- classifies every item against the state of the last sync (sync_items: file name,
  etag, UID, linked local record, the item as last synced) and decides, per item, what
  to do on each side;
- merges field by field against the last-synced item when both sides changed
  (:func:`merge`); a field changed on both sides goes to the configured winner and the
  losing value is handed to :meth:`Kind.keep_lost` and listed in the report;
- refuses a sync that would delete more than ``max_delete_percent`` of the items
  (:class:`MassDeletion`) unless forced;
- writes files atomically (vdir.py), applies every local change in ONE transaction (one
  change set, undoable), updates the state in that same transaction, and commits last:
  a sync killed at any point leaves files that the next run recognises (a file written
  from the local record merges with it without a conflict), so it converges;
- holds a lock on the folder for its whole length.

Items are compared by their ``fields``: a flat dict of JSON-like values (str, int,
None, lists). A list field is merged item by item (what each side added or removed),
any other field as a whole.

This module is the API (:func:`run`, :func:`merge` and the types below); the types are
defined in :mod:`minicrm.sync.models`, the engine in :mod:`minicrm.sync.engine`, the
three-way plan, merge and deletion guard in :mod:`minicrm.sync.merging`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from minicrm.core.errors import MinicrmError
from minicrm.db.store import Store
from minicrm.sync import vdir
from minicrm.sync.engine import SyncRun
from minicrm.sync.merging import merge
from minicrm.sync.models import (
    DEFAULT_MAX_DELETE_PERCENT,
    MIN_GUARDED,
    SIDES,
    Change,
    Conflict,
    Item,
    ItemError,
    Kind,
    Lost,
    MassDeletion,
    Problem,
    Settings,
    SyncReport,
)

__all__ = [
    "DEFAULT_MAX_DELETE_PERCENT",
    "MIN_GUARDED",
    "SIDES",
    "Change",
    "Conflict",
    "Item",
    "ItemError",
    "Kind",
    "Lost",
    "MassDeletion",
    "Problem",
    "Settings",
    "SyncReport",
    "merge",
    "run",
]


class _DryRun(MinicrmError):
    """Raised inside the transaction to roll a dry run back."""


def run(
    store: Store, kind: Kind, folder: Path, settings: Settings, *, command: str | None = None
) -> SyncReport:
    """Sync ``kind`` with the vdir ``folder`` (created 0700 when missing, except on a dry
    run). One transaction; on a dry run everything is rolled back and no file written."""
    if settings.winner not in SIDES:
        raise ValueError(f"winner {settings.winner!r}")
    path = Path(folder).expanduser().absolute()
    exists = path.exists()
    if not (settings.dry_run and not exists):
        path = vdir.prepare_folder(path)
    report = SyncReport(kind.name, str(path), settings.dry_run)
    lock = vdir.FolderLock(path) if path.exists() else contextlib.nullcontext()
    with lock:
        if not settings.dry_run:
            vdir.remove_stale_temps(path)
        try:
            with store.transaction(command):
                SyncRun(store, kind, path, settings, report, exists=path.exists()).go()
                if settings.dry_run:
                    raise _DryRun("dry run")
        except _DryRun:
            report.changeset = None
    return report
