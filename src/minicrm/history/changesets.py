"""Reading history: the change sets, newest first (all, or one contact's), each with its
changes and a summary in words (:mod:`minicrm.history.words`).
"""

from __future__ import annotations

from typing import Any

from minicrm.contacts import refs
from minicrm.core.errors import InvalidInput, NotFound
from minicrm.db.store import Row, Store
from minicrm.history import queries
from minicrm.history.models import Change, ChangeSet, FieldChange
from minicrm.history.words import summarize

# How many rows of each change set `history` shows (the counts cover all of them).
MAX_CHANGES = 50


# The column that names a row in a summary, per table (the first one present is used).
_LABEL_COLUMNS = ("display_name", "name", "title", "value", "tag", "body", "to_stage")


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


def load_changeset(
    store: Store,
    row: Row,
    *,
    details: bool,
    contact: tuple[int, str | None] | None = None,
) -> ChangeSet:
    counts: dict[str, dict[str, int]] = {}
    total = 0
    for c in queries.counts(store, row["id"], contact):
        counts.setdefault(c["entity"], {})[c["op"]] = c["n"]
        total += c["n"]
    raw = queries.changes(store, row["id"], MAX_CHANGES, contact)
    changes = [_change(r) for r in raw] if details else []
    summary = summarize(
        row["command"],
        row["kind"],
        row["undoes"],
        raw,
        counts,
        total,
        lambda table, ids: queries.names_of(store, table, ids),
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
        found = queries.deleted_contact(store, ref)
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
            load_changeset(store, row, details=True, contact=contact)
            for row in queries.recent(store, limit, contact)
        ]


def contact_history(store: Store, ref: str, *, limit: int = 20) -> list[ChangeSet]:
    """``show REF --history``: the change sets that touched one contact."""
    return list_changesets(store, ref, limit=limit)
