"""The integrity check and repair of the database.

:func:`check` runs SQLite's checks, the search index's and minicrm's own invariants
(:mod:`minicrm.maintenance.checks`); :func:`repair` fixes what can be fixed safely, in
one transaction, and checks again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minicrm.core.config import Config
from minicrm.core.errors import DatabaseBusy, DatabaseReadOnly, MinicrmError
from minicrm.db import backup as copies
from minicrm.db import restore
from minicrm.db.opening import open_store
from minicrm.db.store import Store
from minicrm.maintenance import checks, queries
from minicrm.maintenance.checks import Check, missing_next_occurrences

# what `db check --quick` leaves out (see check())
QUICK_SKIPS = [
    "integrity: the full integrity_check (index contents, UNIQUE constraints)",
    "search_index: FTS5's integrity-check and the comparison with the tables",
    "json_values: the history records",
]
# what `db check` leaves out on a database it cannot write (see check())
READ_ONLY_SKIP = (
    "search_index: FTS5's integrity-check (the database is read-only: FTS5's own check "
    "needs to write)"
)


@dataclass
class CheckReport:
    checks: list[Check]
    repaired: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what a quick check left out

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [c.to_dict() for c in self.checks],
            "repaired": self.repaired,
            "skipped": self.skipped,
        }


def _guarded(name: str, run: Callable[[], Check]) -> Check:
    """A check that cannot even run (a damaged file) fails with the reason. A busy
    database is not a failed check: DatabaseBusy goes up to the caller (exit 5); nor is
    a read-only one (the checks only read; should one still meet a refused write, that is
    DatabaseReadOnly, exit 6, never damage)."""
    try:
        return run()
    except (DatabaseBusy, DatabaseReadOnly):
        raise
    except MinicrmError as exc:
        return Check(name, "fail", f"could not be checked: {exc.message}")


class _ReadOnly:
    """FTS5's own check could not run: the database cannot be written."""


def _fts_check(store: Store) -> Check | str | _ReadOnly | None:
    """FTS5's own check (it needs the write lock, so it runs before the read transaction
    of the other checks, waiting for a writer like any command): its finding, a failed
    Check when it could not run at all, or _ReadOnly when the database cannot be written
    (the check is then skipped, not failed: a read-only database is not damaged)."""
    try:
        return queries.fts_problem(store)
    except DatabaseBusy:
        raise
    except DatabaseReadOnly:
        return _ReadOnly()
    except MinicrmError as exc:
        return Check("search_index", "fail", f"could not be checked: {exc.message}")


def check(
    store: Store,
    *,
    config: Config | None = None,
    temp_files: bool = True,
    quick: bool = False,
) -> CheckReport:
    """Every check, read-only. FTS5's own check of the search index runs first, in a
    transaction of its own that waits for the write lock (see
    :func:`minicrm.maintenance.queries.fts_problem`) and is rolled back; the others then
    run on one consistent state of the database. Another process holding the lock for
    longer than the busy timeout raises :class:`DatabaseBusy`.

    ``quick``: SQLite's quick_check instead of integrity_check, no search index check
    (no write lock, then), no history records read (QUICK_SKIPS); about a third of the
    time of the full check on 100,000 contacts, docs/performance.md.

    On a database that cannot be written (a read-only file, folder or mount), FTS5's own
    check cannot run: it is left out and said so (READ_ONLY_SKIP); the comparison of the
    index with the tables still runs."""
    fts = None if quick else _fts_check(store)
    skipped = list(QUICK_SKIPS) if quick else []
    if isinstance(fts, _ReadOnly):
        fts = None
        skipped.append(READ_ONLY_SKIP)
    with store.snapshot():
        try:
            damage, texts = checks.damage_and_texts(store, history=not quick)
            json_check = checks.json_values(store, damage, texts)
        except (DatabaseBusy, DatabaseReadOnly):
            raise
        except MinicrmError as exc:
            damage, json_check = [], Check("json_values", "fail", f"could not be checked: {exc}")
        skip = frozenset(d.row_id for d in damage if d.table == "contacts")
        if quick:
            index: list[Check] = []
        elif isinstance(fts, Check):
            index = [fts]
        else:
            finding: str | None = fts
            index = [_guarded("search_index", lambda: checks.search_index(store, finding, skip))]
        found = [
            _guarded("integrity", lambda: checks.integrity(store, quick)),
            _guarded("foreign_keys", lambda: checks.foreign_keys(store)),
            json_check,
            *index,
            _guarded("interactions", lambda: checks.interactions(store)),
            _guarded("last_contacted", lambda: checks.last_contacted(store)),
            _guarded("followup_series", lambda: checks.followup_series(store)),
            _guarded("deal_stages", lambda: checks.deal_stages(store)),
            _guarded("configured_stages", lambda: checks.configured_stages(store, config)),
            _guarded("history", lambda: checks.changesets(store)),
        ]
    if temp_files and store.path is not None:
        path = store.path
        found.append(_guarded("temp_files", lambda: checks.temp_files(path)))
    return CheckReport(found, skipped=skipped)


def check_file(
    path: str | os.PathLike[str],
    *,
    work_folder: str | os.PathLike[str],
    config: Config | None = None,
    quick: bool = False,
) -> CheckReport:
    """:func:`check` on another database file, a backup say, without writing to it: the
    checks run on a temporary copy in ``work_folder`` (migrated there if it is older)."""
    with (
        restore.checked_copy(Path(path).expanduser(), Path(work_folder)) as copy,
        open_store(copy, command="minicrm db check") as store,
    ):
        # (a copy's folder is not its own: no temp_files)
        return check(store, config=config, temp_files=False, quick=quick)


def _move_damaged_aside(store: Store) -> tuple[int, int]:
    """Each contact's unreadable custom fields or kept vCard properties: the text goes,
    as it is, to the end of the contact's notes, and the column back to empty (through
    Store.update: recorded, undoable). The one right answer: nothing is lost or
    guessed, and the user can read it and put it back by hand. Returns (values moved,
    contacts changed)."""
    from minicrm.db.jsonvalues import LABELS, decode, empty  # lazy: start-up

    moved = contacts = 0
    for row in queries.contact_json_texts(store):
        changes: dict[str, Any] = {}
        pieces = []
        for column in ("custom", "vcard_extra"):
            _, problem = decode("contacts", column, row[column])
            if problem is None:
                continue
            label = LABELS[("contacts", column)]
            pieces.append(
                f"{label[0].upper()}{label[1:]} (unreadable, kept by minicrm db check "
                f"--repair):\n{row[column]}"
            )
            changes[column] = "{}" if isinstance(empty("contacts", column), dict) else "[]"
        if not changes:
            continue
        current = store.get("contacts", row["id"])
        assert current is not None
        changes["notes"] = "\n\n".join(p for p in [current["notes"] or "", *pieces] if p)
        store.update("contacts", row["id"], changes)
        moved += len(pieces)
        contacts += 1
    return moved, contacts


def repair(store: Store, *, config: Config | None = None) -> CheckReport:
    """Fix, in one transaction, what can be fixed without guessing: rebuild the search
    index, set last-contacted times from the interactions (recorded in history, like any
    change), schedule a missing next occurrence of a series from its rule. Then check
    again; what could not be repaired still fails."""
    from minicrm.activity import lifecycle  # lazy: start-up

    if queries.read_only(store):
        raise DatabaseReadOnly(
            f"cannot repair a read-only database: {store.path or 'in memory'}",
            hint="make the file and its folder writable, or check without --repair",
        )
    before = check(store, config=config)
    failing = {c.name for c in before.failed if c.repairable}
    repaired: list[str] = []
    if store.path is not None and any(
        c.name == "temp_files" and c.status == "warn" for c in before.checks
    ):
        removed = copies.remove_stale_temp_files(copies.temp_places(store.path))
        if removed:
            repaired.append(
                f"temp_files: removed {checks.plural(len(removed), 'temporary file')} "
                f"({copies.size_text(sum(t.size for t in removed))})"
            )
    if failing:
        with store.transaction():
            if "json_values" in failing:  # first: the index then follows these contacts
                moved, contacts = _move_damaged_aside(store)
                repaired.append(
                    f"json_values: moved {checks.plural(moved, 'unreadable value')} into the notes "
                    f"of {checks.plural(contacts, 'contact')}"
                )
            if "search_index" in failing:
                count = queries.recreate_search_index(store)
                repaired.append(f"search_index: rebuilt the index ({checks.plural(count, 'row')})")
            if "last_contacted" in failing:
                rows = queries.last_contacted_mismatches(store)
                for row in rows:
                    store.update(
                        "contacts",
                        row["id"],
                        {
                            "last_contacted_at": row["latest"],
                            "last_interaction_id": row["latest_id"],
                        },
                    )
                repaired.append(
                    f"last_contacted: set from the interactions for {checks.plural(len(rows), 'contact')}"
                )
            if "followup_series" in failing:
                for fid, _ in missing_next_occurrences(store):
                    made = lifecycle.schedule_missing_next(store, fid)
                    if made is not None:
                        repaired.append(
                            f"followup_series: scheduled follow-up #{made.id} "
                            f"(occurrence {made.occurrence}, due {made.due_date}) after #{fid}"
                        )
    after = check(store, config=config)
    after.repaired = repaired
    return after
