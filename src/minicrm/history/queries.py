"""Reading the record of changes (``changesets`` and ``history``) for ``history``,
``undo`` and ``redo``, and marking a change set as undone.

The reversal itself goes through ``Store.insert/update/delete`` like any other write, so
an undo is recorded as a change set of its own (see minicrm/history.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from minicrm.core import clock
from minicrm.db import jsonvalues
from minicrm.db.schema import DATA_TABLES
from minicrm.db.store import Row, Store


def image_sql(side: str, h: str = "h") -> str:
    """The SQL of history row ``h``'s ``before`` or ``after`` image, also when the row
    holds it by reference (``image_from``, migration 0014: an undo's delete of a row
    exactly as the undone change set inserted it, a redo's insert of it again): then it is
    the image of that earlier insert or delete row."""
    op = "delete" if side == "before" else "insert"
    return (
        f"coalesce({h}.{side}, CASE WHEN {h}.op = '{op}' THEN (SELECT coalesce(f.after, "
        f"f.before) FROM history f WHERE f.id = {h}.image_from) END)"
    )


_IMAGES = f"{image_sql('before')} AS before, {image_sql('after')} AS after, h.image_from"

# Change sets whose effect is in the database: a command's own and redos, not undone.
# (An undo that is not undone has cancelled its target; together they changed nothing.)
IN_EFFECT = "kind IN ('command', 'redo') AND undone_by IS NULL"


def _decode(row: Row, changeset_id: int, store: Store | None = None) -> None:
    """Decode a history row's ``before`` and ``after`` in place. Without ``store``
    (undo, redo: they write from these images) a damaged one is refused
    (DamagedValue); with it (listing), it reads as None and is noted on the store."""
    owner = f"history row #{row['id']} (change set #{changeset_id})"
    for column in ("before", "after"):
        if store is None:
            row[column] = jsonvalues.read_strict("history", column, row["id"], row[column], owner)
        else:
            row[column] = jsonvalues.read(store, "history", column, row["id"], row[column], owner)


def _json(column: str, path: str) -> str:
    """``json_extract`` of a history column that reads a damaged value as NULL instead of
    failing the whole query ("malformed JSON")."""
    return f"CASE WHEN json_valid({column}) THEN json_extract({column}, '{path}') END"


def changeset(store: Store, changeset_id: int) -> Row | None:
    return store.query_one("SELECT * FROM changesets WHERE id = ?", [changeset_id])


def changesets(store: Store, ids: Sequence[int]) -> dict[int, Row]:
    rows = store.query(
        "SELECT * FROM changesets WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(ids))],
    )
    return {row["id"]: row for row in rows}


def undo_stack(store: Store, count: int) -> list[Row]:
    """The newest ``count`` change sets in effect, newest first: what ``undo`` reverses."""
    return store.query(
        f"SELECT * FROM changesets WHERE {IN_EFFECT} ORDER BY id DESC LIMIT ?", [count]
    )


def redo_stack(store: Store, count: int) -> list[Row]:
    """The undos not yet redone and recorded after the newest command, newest first.
    A command run after an undo empties it: there is nothing consistent to redo onto."""
    return store.query(
        "SELECT * FROM changesets WHERE kind = 'undo' AND undone_by IS NULL AND id > "
        "(SELECT coalesce(max(id), 0) FROM changesets WHERE kind = 'command') "
        "ORDER BY id DESC LIMIT ?",
        [count],
    )


def newest_command(store: Store) -> Row | None:
    return store.query_one(
        "SELECT * FROM changesets WHERE kind = 'command' ORDER BY id DESC LIMIT 1"
    )


def newest_undo(store: Store) -> Row | None:
    return store.query_one(
        "SELECT * FROM changesets WHERE kind = 'undo' AND undone_by IS NULL "
        "ORDER BY id DESC LIMIT 1"
    )


def rows_of(store: Store, changeset_id: int) -> list[Row]:
    """The history rows of one change set, in the order they were written, with
    ``before`` and ``after`` decoded."""
    rows = store.query(
        f"SELECT h.id, h.op, h.entity, h.row_id, h.uid, {_IMAGES} FROM history h "
        "WHERE h.changeset_id = ? ORDER BY h.id",
        [changeset_id],
    )
    for row in rows:
        _decode(row, changeset_id)
    return rows


def rows_backwards(store: Store, changeset_id: int, chunk: int = 5000) -> Iterator[list[Row]]:
    """The history rows of one change set, newest first, decoded, ``chunk`` at a time
    (an import's 400,000 rows are never all in memory at once)."""
    below = None
    while True:
        rows = store.query(
            f"SELECT h.id, h.op, h.entity, h.row_id, h.uid, {_IMAGES} FROM history h "
            "WHERE h.changeset_id = ? AND (? IS NULL OR h.id < ?) ORDER BY h.id DESC LIMIT ?",
            [changeset_id, below, below, chunk],
        )
        if not rows:
            return
        for row in rows:
            _decode(row, changeset_id)
        yield rows
        below = rows[-1]["id"]


def in_effect_after(store: Store, changeset_id: int) -> list[int]:
    """Ids of the change sets in effect recorded after ``changeset_id``, oldest first."""
    rows = store.query(
        f"SELECT id FROM changesets WHERE id > ? AND {IN_EFFECT} ORDER BY id", [changeset_id]
    )
    return [row["id"] for row in rows]


def rows_of_many(store: Store, changeset_ids: Sequence[int]) -> list[Row]:
    """History rows of several change sets (decoded), in the order they were written."""
    rows = store.query(
        f"SELECT h.id, h.changeset_id, h.op, h.entity, h.row_id, {_IMAGES} FROM history h "
        "WHERE h.changeset_id IN (SELECT value FROM json_each(?)) ORDER BY h.id",
        [json.dumps(list(changeset_ids))],
    )
    for row in rows:
        _decode(row, row["changeset_id"])
    return rows


def foreign_keys(store: Store) -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, the table it refers to)] for the data tables."""
    result: dict[str, list[tuple[str, str]]] = {}
    for table in DATA_TABLES:
        rows = store.query(f'PRAGMA foreign_key_list("{table}")')
        result[table] = [(row["from"], row["table"]) for row in rows]
    return result


def columns(store: Store, table: str) -> list[str]:
    if table not in DATA_TABLES:
        raise ValueError(table)
    return [row["name"] for row in store.query(f'PRAGMA table_info("{table}")')]


def current_rows(store: Store, table: str, ids: Iterable[int]) -> dict[int, Row]:
    """The rows of ``table`` with these ids as they are now (missing ids are left out)."""
    if table not in DATA_TABLES:
        raise ValueError(table)
    rows = store.query(
        f'SELECT * FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))',
        [json.dumps(list(ids))],
    )
    return {row["id"]: row for row in rows}


def last_touch(store: Store, entity: str, row_id: int, after: int) -> Row | None:
    """The newest change set after ``after`` that wrote that row (in effect or not)."""
    return store.query_one(
        "SELECT c.* FROM history h JOIN changesets c ON c.id = h.changeset_id "
        "WHERE h.entity = ? AND h.row_id = ? AND h.changeset_id > ? "
        "ORDER BY h.changeset_id DESC LIMIT 1",
        [entity, row_id, after],
    )


def mark_undone(store: Store, changeset_id: int, by: int) -> None:
    """Record that change set ``by`` reversed ``changeset_id`` (inside the transaction)."""
    if not store.in_transaction:
        raise RuntimeError("mark_undone must run inside Store.transaction()")
    store.execute(
        "UPDATE changesets SET undone_by = ?, undone_at = ? WHERE id = ?",
        [by, clock.utc_stamp(), changeset_id],
    )


# -- listing ----------------------------------------------------------------------------


def _contact_filter(contact_id: int, uid: str | None) -> tuple[str, list[Any]]:
    """History rows that concern one contact: its own row, rows carrying its uid (its
    emails, phones, tags, links to interactions...), its follow-ups and deals, and the
    interactions it took part in."""
    link = f"coalesce({image_sql('after', 'l')}, {image_sql('before', 'l')})"
    sql = (
        "((h.entity = 'contacts' AND h.row_id = ?)"
        " OR (h.uid IS NOT NULL AND h.uid = ?)"
        " OR (h.entity IN ('followups', 'deals') AND ("
        f"{_json(image_sql('after'), '$.contact_id')} = ? "
        f"OR {_json(image_sql('before'), '$.contact_id')} = ?))"
        " OR (h.entity = 'interactions' AND h.row_id IN ("
        f"SELECT {_json(link, '$.interaction_id')} FROM history l "
        "WHERE l.entity = 'interaction_contacts' AND ("
        f"{_json(link, '$.contact_id')} = ?))))"
    )
    return sql, [contact_id, uid, contact_id, contact_id, contact_id]


def recent(store: Store, limit: int, contact: tuple[int, str | None] | None = None) -> list[Row]:
    """The newest ``limit`` change sets, newest first; with ``contact`` (id, uid), only
    those that wrote rows concerning that contact."""
    if contact is None:
        return store.query("SELECT * FROM changesets ORDER BY id DESC LIMIT ?", [limit])
    where, params = _contact_filter(*contact)
    return store.query(
        "SELECT * FROM changesets WHERE id IN "
        f"(SELECT DISTINCT h.changeset_id FROM history h WHERE {where}) "
        "ORDER BY id DESC LIMIT ?",
        [*params, limit],
    )


def counts(
    store: Store, changeset_id: int, contact: tuple[int, str | None] | None = None
) -> list[Row]:
    """(entity, op, n) for one change set (with ``contact``: only that contact's rows)."""
    where, params = ("1", []) if contact is None else _contact_filter(*contact)
    return store.query(
        "SELECT h.entity, h.op, count(*) AS n FROM history h "
        f"WHERE h.changeset_id = ? AND {where} GROUP BY h.entity, h.op ORDER BY min(h.id)",
        [changeset_id, *params],
    )


def changes(
    store: Store,
    changeset_id: int,
    limit: int,
    contact: tuple[int, str | None] | None = None,
) -> list[Row]:
    """The first ``limit`` history rows of one change set (decoded)."""
    where, params = ("1", []) if contact is None else _contact_filter(*contact)
    rows = store.query(
        f"SELECT h.id, h.op, h.entity, h.row_id, h.uid, {_IMAGES} FROM history h "
        f"WHERE h.changeset_id = ? AND {where} ORDER BY h.id LIMIT ?",
        [changeset_id, *params, limit],
    )
    for row in rows:
        _decode(row, changeset_id, store)  # a listing shows what it can read
    return rows


def deleted_contact(store: Store, ref: str) -> tuple[int, str | None] | None:
    """A contact no longer in the database, found in history by ``#id``/id or uid."""
    text = ref.strip().removeprefix("#")
    if text.isdigit():
        row = store.query_one(
            "SELECT row_id, uid FROM history WHERE entity = 'contacts' AND row_id = ? "
            "ORDER BY id DESC LIMIT 1",
            [int(text)],
        )
    else:
        row = store.query_one(
            "SELECT row_id, uid FROM history WHERE entity = 'contacts' AND uid = ? "
            "ORDER BY id DESC LIMIT 1",
            [text],
        )
    return None if row is None else (row["row_id"], row["uid"])


def names_of(store: Store, table: str, ids: Sequence[int]) -> dict[int, str]:
    """id -> name of contacts (display name) or companies; one deleted since is named as
    its last history image names it."""
    column = {"contacts": "display_name", "companies": "name"}[table]
    found = {
        row["id"]: row["name"]
        for row in store.query(
            f'SELECT id, "{column}" AS name FROM "{table}" '
            "WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(ids))],
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        for row in store.query(
            f"SELECT row_id, json_extract(coalesce(before, after), '$.{column}') AS name "
            "FROM history WHERE entity = ? AND row_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY id",
            [table, json.dumps(missing)],
        ):
            if row["name"]:
                found[row["row_id"]] = row["name"]
    return found
