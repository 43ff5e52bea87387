"""Undo and redo (reading history is :mod:`minicrm.history.changesets`).

Every command that changes data is one change set: the ``history`` rows it wrote, each
with the row's complete image before and after (store/db.py). That record is enough to
take a command back exactly:

* **undo** reverses a change set by walking its rows backwards: an inserted row is
  deleted, an updated row gets its ``before`` values back, a deleted row is inserted
  again from its ``before`` image, with its own id (ids are AUTOINCREMENT, so no other
  row can have taken it). Walking backwards restores every intermediate state, so the
  foreign keys hold at each step (children go before their parents, parents come back
  before their children). The writes go through the Store like any command's, so the
  full-text index follows and the undo is itself recorded: a change set of kind
  ``undo`` that names the one it reversed (``undoes``), which is marked ``undone_by``.
* **redo** is the undo of an undo (kind ``redo``).

Before anything is written, each row the change set touched must be exactly as it left
it; if a later change set still in effect wrote that row (or a row pointing to a row the
undo would delete, or deleted a row the undo would point back to), the undo is refused
with that change set named, and nothing is changed. ``undo 3`` reverses three change
sets in one transaction: all of them or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from minicrm.core import dates
from minicrm.core.errors import Conflict, InvalidInput, NotFound
from minicrm.db.store import Row, Store
from minicrm.history import queries
from minicrm.history.changesets import load_changeset
from minicrm.history.models import ChangeSet, Outcome, Step


class _DryRun(Exception):
    """Raised to roll back a dry run after everything was checked and applied."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("dry run")
        self.outcome = outcome


def describe(row: Row) -> str:
    """``#12 (2026-11-22 10:30, minicrm import contacts.csv)``: a change set in a message."""
    when = dates.local_datetime(row["created_at"]).strftime("%Y-%m-%d %H:%M")
    return f"#{row['id']} ({when}, {row['command']})"


def _key_text(entity: str, row_id: int) -> str:
    return f"{entity} row #{row_id}"


def _check_blockers(store: Store, target: Row, rows: list[Row]) -> None:
    """Refuse if a later change set still in effect wrote a row this one wrote, wrote a
    row that refers to a row the undo would delete, or deleted a row the undo would make
    a row refer to again."""
    later = queries.in_effect_after(store, target["id"])
    if not later:
        return
    touched = {(r["entity"], r["row_id"]) for r in rows}
    fks = queries.foreign_keys(store)
    first: dict[tuple[str, int], Row] = {}
    last: dict[tuple[str, int], Row] = {}
    for r in rows:
        first.setdefault((r["entity"], r["row_id"]), r)
        last[(r["entity"], r["row_id"])] = r
    # rows the undo deletes (net inserts) and rows it writes (their before images)
    deleted = {key for key, r in first.items() if r["op"] == "insert"}
    parents: set[tuple[str, int]] = set()
    for key, r in first.items():
        image = r["before"]
        if image is not None:
            for column, parent in fks.get(key[0], []):
                if image.get(column) is not None:
                    parents.add((parent, image[column]))
    for r in queries.rows_of_many(store, later):
        key = (r["entity"], r["row_id"])
        reason = None
        if key in touched:
            reason = f"it changed the same {_key_text(*key)} later"
        elif r["op"] == "delete" and key in parents:
            reason = f"it deleted {_key_text(*key)}, which the undo would refer to again"
        else:
            for image in (r["after"], r["before"]):
                for column, parent in fks.get(r["entity"], []) if image else []:
                    if (parent, image.get(column)) in deleted:
                        reason = (
                            f"its {_key_text(*key)} refers to {_key_text(parent, image[column])}, "
                            "which the undo would delete"
                        )
                        break
                if reason:
                    break
        if reason:
            blocker = queries.changeset(store, r["changeset_id"])
            assert blocker is not None
            raise Conflict(
                f"cannot undo {describe(target)}: change set {describe(blocker)} blocks it: "
                f"{reason}; nothing was changed",
                hint=f"undo #{blocker['id']} first, or leave it",
            )


def _check_state(store: Store, target: Row, action: str) -> None:
    """Each row must be exactly as the change set left it: as the last image the change
    set recorded for it (walking backwards, the first one met), or absent."""
    seen: set[tuple[str, int]] = set()
    for chunk in queries.rows_backwards(store, target["id"]):
        final: dict[str, dict[int, dict[str, Any] | None]] = {}
        for r in chunk:
            key = (r["entity"], r["row_id"])
            if key not in seen:
                seen.add(key)
                final.setdefault(r["entity"], {})[r["row_id"]] = r["after"]
        for entity, images in final.items():
            current = queries.current_rows(store, entity, images)
            for row_id, image in images.items():
                now = current.get(row_id)
                same = (
                    now is None
                    if image is None
                    else now is not None and all(now.get(k) == v for k, v in image.items())
                )
                if not same:
                    _refuse_changed(store, target, entity, row_id, action)


def _refuse_changed(store: Store, target: Row, entity: str, row_id: int, action: str) -> None:
    blocker = queries.last_touch(store, entity, row_id, target["id"])
    by = (
        f"change set {describe(blocker)} changed {_key_text(entity, row_id)} later"
        if blocker is not None
        else f"{_key_text(entity, row_id)} is no longer as it left it"
    )
    raise Conflict(
        f"cannot {action} {describe(target)}: {by}; nothing was changed",
        hint=f"undo #{blocker['id']} first" if blocker else "see minicrm history",
    )


def _reverse(store: Store, target: Row, kind: str) -> int:
    """Reverse one change set inside the open transaction; returns the new change set.
    (A redo reverses an undo at the top of the redo stack: the state check suffices, and
    a redo of a later undo, already re-applied, is no blocker but its prerequisite.)"""
    if kind == "undo" and queries.in_effect_after(store, target["id"]):
        _check_blockers(store, target, queries.rows_of(store, target["id"]))
    _check_state(store, target, "undo" if kind == "undo" else "redo the undo")
    recorded = store.begin_changeset(kind=kind, undoes=target["id"])
    known: dict[str, set[str]] = {}
    # Walking backwards, runs of rows of one table and op are written in bulk (an
    # import's 100,000 contacts): no table refers to itself, so order inside a run does
    # not matter.
    for chunk in queries.rows_backwards(store, target["id"]):
        for (op, entity), run in groupby(chunk, key=lambda r: (r["op"], r["entity"])):
            if entity not in known:
                known[entity] = set(queries.columns(store, entity))
            batch = list(run)
            # each row is deleted (or put back) exactly as this history row recorded it
            # (_check_state): the new history row refers to that image, not a copy of it
            images = {r["row_id"]: r["image_from"] or r["id"] for r in batch}
            if op == "insert":
                store.delete_many(entity, [r["row_id"] for r in batch], image_from=images)
            elif op == "delete":
                columns = known[entity]
                store.insert_many(
                    entity,
                    [{k: v for k, v in r["before"].items() if k in columns} for r in batch],
                    image_from=images,
                )
            else:
                for r in batch:
                    values = {
                        k: v for k, v in r["before"].items() if k != "id" and k in known[entity]
                    }
                    store.update(entity, r["row_id"], values)
    queries.mark_undone(store, target["id"], recorded)
    return recorded


def _count(count: int) -> None:
    if count < 1:
        raise InvalidInput(f"the number of change sets must be at least 1, not {count}")


def _apply(
    store: Store, action: str, targets: list[Row], shown: list[Row], dry_run: bool
) -> Outcome:
    """Reverse ``targets`` in order, inside the caller's transaction; a dry run then
    raises :class:`_DryRun` so that the caller's transaction rolls it all back."""
    steps: list[Step] = []
    for target, show in zip(targets, shown, strict=True):
        summary = load_changeset(store, show, details=False)
        recorded = _reverse(store, target, action)
        steps.append(Step(summary, None if dry_run else recorded))
    outcome = Outcome(action, dry_run, steps)
    if dry_run:
        raise _DryRun(outcome)
    return outcome


def undo_targets(store: Store, count: int = 1, *, changeset: int | None = None) -> list[ChangeSet]:
    """What :func:`undo` would reverse (for a confirmation), newest first."""
    with store.snapshot():
        return [
            load_changeset(store, row, details=False) for row in _undo_rows(store, count, changeset)
        ]


def _undo_rows(store: Store, count: int, changeset: int | None) -> list[Row]:
    _count(count)
    if changeset is not None:
        row = queries.changeset(store, changeset)
        if row is None:
            raise NotFound(f"no change set #{changeset}", hint="minicrm history lists them")
        if row["kind"] == "undo":
            raise InvalidInput(
                f"change set #{changeset} is an undo (of #{row['undoes']})",
                hint="use minicrm redo to re-apply what it undid",
            )
        if row["undone_by"] is not None:
            raise InvalidInput(
                f"change set #{changeset} is already undone (by #{row['undone_by']})",
                hint="minicrm redo re-applies it",
            )
        return [row]
    rows = queries.undo_stack(store, count)
    if not rows:
        raise NotFound("nothing to undo: no change has been recorded", hint="see minicrm history")
    if len(rows) < count:
        raise InvalidInput(
            f"only {len(rows)} change set(s) can be undone, not {count}; nothing was changed",
            hint=f"minicrm undo {len(rows)}",
        )
    return rows


def undo(
    store: Store,
    count: int = 1,
    *,
    changeset: int | None = None,
    dry_run: bool = False,
    expect: Sequence[int] | None = None,
) -> Outcome:
    """Reverse the newest ``count`` change sets still in effect (or the one numbered
    ``changeset``), in one transaction: all of them or none. ``expect``: the ids a
    confirmation was given for; if the history moved on meanwhile, nothing is done."""
    try:
        with store.transaction():
            targets = _undo_rows(store, count, changeset)
            _expect(targets, expect)
            return _apply(store, "undo", targets, targets, dry_run)
    except _DryRun as stop:
        return stop.outcome


def _expect(targets: list[Row], expect: Sequence[int] | None) -> None:
    if expect is not None and [t["id"] for t in targets] != list(expect):
        raise Conflict(
            "the history changed while you were asked; nothing was changed", hint="run it again"
        )


def _redo_rows(store: Store, count: int) -> list[Row]:
    _count(count)
    rows = queries.redo_stack(store, count)
    if not rows:
        last_undo = queries.newest_undo(store)
        newest = queries.newest_command(store)
        if last_undo is not None and newest is not None and newest["id"] > last_undo["id"]:
            raise InvalidInput(
                f"nothing to redo: change set {describe(newest)} was recorded after the last "
                f"undo (#{last_undo['id']}), and redo only re-applies an undo that no new "
                "change followed",
                hint="minicrm history shows what was undone",
            )
        raise NotFound("nothing to redo: nothing has been undone", hint="see minicrm history")
    if len(rows) < count:
        raise InvalidInput(
            f"only {len(rows)} change set(s) can be redone, not {count}; nothing was changed",
            hint=f"minicrm redo {len(rows)}",
        )
    return rows


def redo_targets(store: Store, count: int = 1) -> list[ChangeSet]:
    """What :func:`redo` would re-apply, newest undo first (as the commands undone)."""
    with store.snapshot():
        rows = _redo_rows(store, count)
        originals = queries.changesets(store, [r["undoes"] for r in rows])
        return [load_changeset(store, originals[r["undoes"]], details=False) for r in rows]


def redo(
    store: Store, count: int = 1, *, dry_run: bool = False, expect: Sequence[int] | None = None
) -> Outcome:
    """Re-apply the ``count`` most recently undone change sets (by undoing their undos),
    in one transaction. Only while no new command has been recorded since the undo."""
    try:
        with store.transaction():
            undos = _redo_rows(store, count)
            originals = queries.changesets(store, [r["undoes"] for r in undos])
            shown = [originals[r["undoes"]] for r in undos]
            _expect(shown, expect)
            return _apply(store, "redo", undos, shown, dry_run)
    except _DryRun as stop:
        return stop.outcome
