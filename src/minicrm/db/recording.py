"""The SQL that records many rows in ``history`` at once: for an import, an undo or a
restore of thousands of rows, SQLite writes the history rows itself in one
``INSERT ... SELECT`` (``json_object`` over the table's columns, in their order: the same
object :meth:`minicrm.db.store.Store.insert` records one row at a time). Doing it row by
row in Python was a large part of a big import."""

from __future__ import annotations

import json
from typing import Any


def history_of_rows(
    table: str,
    columns: list[str],
    owner_column: str | None,
    *,
    op: str,
    changeset_id: int,
    stamp: str,
    ids: list[int],
    image_from: dict[int, int] | None = None,
) -> tuple[str, list[Any]]:
    """The statement (and its parameters) recording rows ``ids`` of ``table`` as inserted
    (``op`` insert: their image is the after) or about to be deleted (the before).

    ``image_from`` maps a row id to an earlier insert or delete history row whose image
    this row is expected to have. Where the images are the same JSON, the new history row
    holds none, only ``image_from`` (migration 0014): undoing a large import no longer
    copies every image again. Where they differ, the image is written as usual."""
    pairs = ", ".join(f"'{c}', t.\"{c}\"" for c in columns)
    if "uid" in columns:
        uid = "t.uid"
    elif owner_column:
        uid = f'(SELECT uid FROM contacts WHERE id = t."{owner_column}")'
    else:
        uid = "NULL"
    if not image_from:
        image = f"json_object({pairs})"
        before, after = ("NULL", image) if op == "insert" else (image, "NULL")
        return (
            "INSERT INTO history (changeset_id, op, entity, row_id, uid, before, after, at) "
            f"SELECT ?, ?, ?, t.id, {uid}, {before}, {after}, ? "
            f'FROM "{table}" t WHERE t.id IN (SELECT value FROM json_each(?)) ORDER BY t.id',
            [changeset_id, op, table, stamp, json.dumps(ids)],
        )
    image = "CASE WHEN same THEN NULL ELSE image END"
    before, after = ("NULL", image) if op == "insert" else (image, "NULL")
    return (
        "INSERT INTO history "
        "(changeset_id, op, entity, row_id, uid, before, after, at, image_from) "
        f"SELECT ?, ?, ?, row_key, uid, {before}, {after}, ?, CASE WHEN same THEN source END "
        "FROM (SELECT row_key, uid, image, source, coalesce(image = ("
        "  SELECT json(coalesce(f.after, f.before)) FROM history f"
        "  WHERE f.id = source AND f.entity = ? AND f.row_id = row_key), 0) AS same "
        f"FROM (SELECT t.id AS row_key, {uid} AS uid, json_object({pairs}) AS image, "
        "  json_extract(s.value, '$[1]') AS source FROM json_each(?) s "
        f"  CROSS JOIN \"{table}\" t ON t.id = json_extract(s.value, '$[0]'))) "
        "ORDER BY row_key",
        [
            changeset_id,
            op,
            table,
            stamp,
            table,
            json.dumps([[i, image_from.get(i)] for i in sorted(ids)]),
        ],
    )
