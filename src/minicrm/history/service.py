"""History, undo and redo.

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
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from minicrm.contacts import refs
from minicrm.core.errors import Conflict, InvalidInput, NotFound
from minicrm.db.store import Row, Store
from minicrm.history import queries as hq
from minicrm.history.words import Summary, summarize

# How many rows of each change set `history` shows (the counts cover all of them).
MAX_CHANGES = 50

# The column that names a row in a summary, per table (the first one present is used).
_LABEL_COLUMNS = ("display_name", "name", "title", "value", "tag", "body", "to_stage")


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Change:
    """One row written by a change set."""

    op: str  # insert | update | delete
    entity: str  # the table
    row_id: int
    uid: str | None
    label: str  # what the row is (a name, a value, a title)
    fields: list[FieldChange]  # update: the columns that changed
    row: dict[str, Any] | None  # insert: the row as written; delete: as it was

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "entity": self.entity,
            "id": self.row_id,
            "uid": self.uid,
            "label": self.label,
            "fields": [f.to_dict() for f in self.fields],
            "row": self.row,
        }


@dataclass(frozen=True)
class ChangeSet:
    id: int
    uid: str
    command: str
    at: str  # UTC stamp
    kind: str  # command | undo | redo
    undoes: int | None
    undone_by: int | None
    undone_at: str | None
    rows: int
    counts: dict[str, dict[str, int]]  # entity -> op -> rows
    changes: list[Change] = field(default_factory=list)
    summary: Summary | None = None  # in words (not part of the JSON shape)

    @property
    def more_changes(self) -> int:
        return self.rows - len(self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "command": self.command,
            "at": self.at,
            "kind": self.kind,
            "undoes": self.undoes,
            "undone_by": self.undone_by,
            "undone_at": self.undone_at,
            "rows": self.rows,
            "counts": self.counts,
            "changes": [c.to_dict() for c in self.changes],
            "more_changes": self.more_changes,
        }


@dataclass(frozen=True)
class Step:
    """One change set reversed (undo) or re-applied (redo)."""

    target: ChangeSet  # the command's change set (for a redo: the one re-applied)
    recorded_as: int | None  # the new change set (None on a dry run)

    def to_dict(self) -> dict[str, Any]:
        data = self.target.to_dict()
        del data["changes"], data["more_changes"]
        return {"changeset": data, "recorded_as": self.recorded_as}


@dataclass(frozen=True)
class Outcome:
    action: str  # undo | redo
    dry_run: bool
    steps: list[Step]

    @property
    def rows(self) -> int:
        return sum(step.target.rows for step in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "steps": [s.to_dict() for s in self.steps],
        }


# -- reading ----------------------------------------------------------------------------


def _label(entity: str, row: dict[str, Any] | None) -> str:
    if not row:
        return ""
    if entity == "interaction_contacts":
        return f"interaction #{row.get('interaction_id')} with contact #{row.get('contact_id')}"
    for column in _LABEL_COLUMNS:
        value = row.get(column)
        if value not in (None, ""):
            text = str(value)
            return text if len(text) <= 60 else text[:59] + "…"
    return ""


def _change(row: Row) -> Change:
    before, after = row["before"], row["after"]
    fields: list[FieldChange] = []
    # a record that could not be read (damaged, store/jsonvalues.py) reads as None
    damaged = (row["op"] != "insert" and before is None) or (
        row["op"] != "delete" and after is None
    )
    if row["op"] == "update" and not damaged:
        keys = list(dict.fromkeys([*(before or {}), *(after or {})]))
        fields = [
            FieldChange(k, (before or {}).get(k), (after or {}).get(k))
            for k in keys
            if (before or {}).get(k) != (after or {}).get(k)
        ]
    return Change(
        op=row["op"],
        entity=row["entity"],
        row_id=row["row_id"],
        uid=row["uid"],
        label=_label(row["entity"], after or before)
        + (" (its record is damaged: see minicrm db check)" if damaged else ""),
        fields=fields,
        row=None if row["op"] == "update" else (after or before),
    )


def _changeset(
    store: Store,
    row: Row,
    *,
    details: bool,
    contact: tuple[int, str | None] | None = None,
) -> ChangeSet:
    counts: dict[str, dict[str, int]] = {}
    total = 0
    for c in hq.counts(store, row["id"], contact):
        counts.setdefault(c["entity"], {})[c["op"]] = c["n"]
        total += c["n"]
    raw = hq.changes(store, row["id"], MAX_CHANGES, contact)
    changes = [_change(r) for r in raw] if details else []
    summary = summarize(
        row["command"],
        row["kind"],
        row["undoes"],
        raw,
        counts,
        total,
        lambda table, ids: hq.names_of(store, table, ids),
    )
    return ChangeSet(
        id=row["id"],
        uid=row["uid"],
        command=row["command"],
        at=row["created_at"],
        kind=row["kind"],
        undoes=row["undoes"],
        undone_by=row["undone_by"],
        undone_at=row["undone_at"],
        rows=total,
        counts=counts,
        changes=changes,
        summary=summary,
    )


def _contact_key(store: Store, ref: str) -> tuple[int, str | None]:
    """(id, uid) of a contact: a live one by any reference, or a deleted one by #id or
    uid (its rows are still in history)."""
    try:
        contact_id = refs.contact_id(store, ref)
    except NotFound:
        found = hq.deleted_contact(store, ref)
        if found is None:
            raise
        return found
    row = store.get("contacts", contact_id)
    assert row is not None
    return contact_id, row["uid"]


def list_changesets(store: Store, ref: str | None = None, *, limit: int = 20) -> list[ChangeSet]:
    """The newest ``limit`` change sets, newest first, with their changes. With ``ref``,
    only those touching that contact (its row, its emails, phones, tags..., its
    follow-ups, deals and interactions), and only those rows of them."""
    if limit < 1:
        raise InvalidInput(f"--limit must be at least 1, not {limit}", hint="e.g. --limit 50")
    with store.snapshot():
        contact = None if ref is None else _contact_key(store, ref)
        return [
            _changeset(store, row, details=True, contact=contact)
            for row in hq.recent(store, limit, contact)
        ]


def contact_history(store: Store, ref: str, *, limit: int = 20) -> list[ChangeSet]:
    """``show REF --history``: the change sets that touched one contact."""
    return list_changesets(store, ref, limit=limit)


# -- undo and redo ----------------------------------------------------------------------


class _DryRun(Exception):
    """Raised to roll back a dry run after everything was checked and applied."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("dry run")
        self.outcome = outcome


def describe(row: Row) -> str:
    """``#12 (2026-11-22 10:30, minicrm import contacts.csv)``: a change set in a message."""
    from minicrm.core import dates

    when = dates.local_datetime(row["created_at"]).strftime("%Y-%m-%d %H:%M")
    return f"#{row['id']} ({when}, {row['command']})"


def _key_text(entity: str, row_id: int) -> str:
    return f"{entity} row #{row_id}"


def _check_blockers(store: Store, target: Row, rows: list[Row]) -> None:
    """Refuse if a later change set still in effect wrote a row this one wrote, wrote a
    row that refers to a row the undo would delete, or deleted a row the undo would make
    a row refer to again."""
    later = hq.in_effect_after(store, target["id"])
    if not later:
        return
    touched = {(r["entity"], r["row_id"]) for r in rows}
    fks = hq.foreign_keys(store)
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
    for r in hq.rows_of_many(store, later):
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
            blocker = hq.changeset(store, r["changeset_id"])
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
    for chunk in hq.rows_backwards(store, target["id"]):
        final: dict[str, dict[int, dict[str, Any] | None]] = {}
        for r in chunk:
            key = (r["entity"], r["row_id"])
            if key not in seen:
                seen.add(key)
                final.setdefault(r["entity"], {})[r["row_id"]] = r["after"]
        for entity, images in final.items():
            current = hq.current_rows(store, entity, images)
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
    blocker = hq.last_touch(store, entity, row_id, target["id"])
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
    if kind == "undo" and hq.in_effect_after(store, target["id"]):
        _check_blockers(store, target, hq.rows_of(store, target["id"]))
    _check_state(store, target, "undo" if kind == "undo" else "redo the undo")
    recorded = store.begin_changeset(kind=kind, undoes=target["id"])
    known: dict[str, set[str]] = {}
    # Walking backwards, runs of rows of one table and op are written in bulk (an
    # import's 100,000 contacts): no table refers to itself, so order inside a run does
    # not matter.
    for chunk in hq.rows_backwards(store, target["id"]):
        for (op, entity), run in groupby(chunk, key=lambda r: (r["op"], r["entity"])):
            if entity not in known:
                known[entity] = set(hq.columns(store, entity))
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
    hq.mark_undone(store, target["id"], recorded)
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
        summary = _changeset(store, show, details=False)
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
            _changeset(store, row, details=False) for row in _undo_rows(store, count, changeset)
        ]


def _undo_rows(store: Store, count: int, changeset: int | None) -> list[Row]:
    _count(count)
    if changeset is not None:
        row = hq.changeset(store, changeset)
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
    rows = hq.undo_stack(store, count)
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
    rows = hq.redo_stack(store, count)
    if not rows:
        last_undo = hq.newest_undo(store)
        newest = hq.newest_command(store)
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
        originals = hq.changesets(store, [r["undoes"] for r in rows])
        return [_changeset(store, originals[r["undoes"]], details=False) for r in rows]


def redo(
    store: Store, count: int = 1, *, dry_run: bool = False, expect: Sequence[int] | None = None
) -> Outcome:
    """Re-apply the ``count`` most recently undone change sets (by undoing their undos),
    in one transaction. Only while no new command has been recorded since the undo."""
    try:
        with store.transaction():
            undos = _redo_rows(store, count)
            originals = hq.changesets(store, [r["undoes"] for r in undos])
            shown = [originals[r["undoes"]] for r in undos]
            _expect(shown, expect)
            return _apply(store, "redo", undos, shown, dry_run)
    except _DryRun as stop:
        return stop.outcome
