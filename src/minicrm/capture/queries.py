"""The SQL of capture: contacts' addresses, captured keys, what each source was read up to,
upcoming events. Read state is bookkeeping (no history): each row names the change set of
the run that wrote it, and a row whose change set was undone counts as unread."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from minicrm.db.store import Row, Store

# A read-state row counts only while the run that wrote it is in effect.
_IN_EFFECT = (
    "(changeset_id IS NULL OR changeset_id IN (SELECT id FROM changesets WHERE undone_by IS NULL))"
)


def contact_emails(store: Store) -> list[Row]:
    """Every contact's every email: (contact_id, key, name)."""
    return store.query(
        "SELECT e.contact_id, e.value_key, c.display_name AS name, c.uid "
        "FROM contact_emails e JOIN contacts c ON c.id = e.contact_id"
    )


def existing_keys(store: Store, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` an interaction already carries."""
    found: set[str] = set()
    chunk: list[str] = []
    for key in keys:
        chunk.append(key)
        if len(chunk) == 5000:
            found |= _existing(store, chunk)
            chunk = []
    if chunk:
        found |= _existing(store, chunk)
    return found


def _existing(store: Store, keys: Sequence[str]) -> set[str]:
    rows = store.query(
        "SELECT external_key FROM interactions "
        "WHERE external_key IN (SELECT value FROM json_each(?))",
        [json.dumps(list(keys))],
    )
    return {r["external_key"] for r in rows}


def live_contact_ids(store: Store, ids: Iterable[int]) -> set[int]:
    rows = store.query(
        "SELECT id FROM contacts WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(set(ids)))],
    )
    return {r["id"] for r in rows}


@dataclass(frozen=True)
class SourceState:
    id: int | None
    fingerprint: str | None
    offset: int


def source_state(store: Store, path: str) -> SourceState:
    """What a source was read up to; nothing when it is new or its last run was undone."""
    row = store.query_one(
        f"SELECT id, fingerprint, read_offset, {_IN_EFFECT} AS live "
        "FROM capture_sources WHERE path = ?",
        [path],
    )
    if row is None:
        return SourceState(None, None, 0)
    if not row["live"]:
        return SourceState(row["id"], None, 0)
    return SourceState(row["id"], row["fingerprint"], row["read_offset"])


def seen_names(store: Store, source_id: int | None) -> set[str]:
    if source_id is None:
        return set()
    cursor = store.conn.execute(
        f"SELECT name FROM capture_seen WHERE source_id = ? AND {_IN_EFFECT}", [source_id]
    )
    return {r[0] for r in cursor}


def save_source(
    store: Store,
    path: str,
    kind: str,
    *,
    fingerprint: str | None,
    offset: int,
    changeset_id: int | None,
    stamp: str,
) -> int:
    """Record what a source was read up to (inside the run's transaction)."""
    store.conn.execute(
        "INSERT INTO capture_sources (path, kind, fingerprint, read_offset, changeset_id, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
        "kind = excluded.kind, fingerprint = excluded.fingerprint, "
        "read_offset = excluded.read_offset, changeset_id = excluded.changeset_id, "
        "updated_at = excluded.updated_at",
        [path, kind, fingerprint, offset, changeset_id, stamp],
    )
    return int(store.scalar("SELECT id FROM capture_sources WHERE path = ?", [path]))


def save_seen(
    store: Store,
    source_id: int,
    added: Sequence[str],
    gone: Sequence[str],
    changeset_id: int | None,
) -> None:
    """Mark file names read (by this run's change set) and forget ones that are gone."""
    store.conn.executemany(
        "INSERT INTO capture_seen (source_id, name, changeset_id) VALUES (?, ?, ?) "
        "ON CONFLICT (source_id, name) DO UPDATE SET changeset_id = excluded.changeset_id",
        ((source_id, name, changeset_id) for name in added),
    )
    store.conn.executemany(
        "DELETE FROM capture_seen WHERE source_id = ? AND name = ?",
        ((source_id, name) for name in gone),
    )


def replace_upcoming(store: Store, sources: Sequence[str], rows: Sequence[Row]) -> None:
    """The upcoming events from these calendar sources, replacing what they held."""
    store.conn.executemany("DELETE FROM capture_upcoming WHERE source = ?", ((s,) for s in sources))
    store.conn.executemany(
        "INSERT INTO capture_upcoming (external_key, title, starts_at, ends_at, all_day, "
        "contact_ids, source) VALUES (:external_key, :title, :starts_at, :ends_at, :all_day, "
        ":contact_ids, :source) ON CONFLICT (external_key) DO UPDATE SET "
        "title = excluded.title, starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
        "all_day = excluded.all_day, contact_ids = excluded.contact_ids, source = excluded.source",
        rows,
    )


def upcoming(store: Store, start: str, end: str) -> list[Row]:
    """Upcoming events starting from ``start`` up to ``end`` (UTC stamps), with their
    contacts' names; events whose contacts are all gone are left out."""
    rows = store.query(
        "SELECT * FROM capture_upcoming WHERE starts_at >= ? AND starts_at < ? "
        "ORDER BY starts_at, id",
        [start, end],
    )
    ids = {int(i) for r in rows for i in r["contact_ids"].split() if i.isdigit()}
    names = {
        r["id"]: r
        for r in store.query(
            "SELECT id, uid, display_name AS name FROM contacts "
            "WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(ids))],
        )
    }
    out = []
    for r in rows:
        people = [
            names[int(i)] for i in r["contact_ids"].split() if i.isdigit() and int(i) in names
        ]
        if people:
            out.append({**r, "contacts": people})
    return out
