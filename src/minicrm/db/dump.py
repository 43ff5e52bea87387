"""Raw rows of the data tables, for the JSON dump and its restore."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from minicrm.db import jsonvalues
from minicrm.db.schema import DATA_TABLES
from minicrm.db.store import Row, Store


def is_empty(store: Store) -> bool:
    """No user data at all (a restore keeps ids only into an empty database)."""
    return all(store.scalar(f'SELECT count(*) FROM "{table}"') == 0 for table in DATA_TABLES)


def count(store: Store, table: str) -> int:
    if table not in DATA_TABLES:
        raise ValueError(table)
    return int(store.scalar(f'SELECT count(*) FROM "{table}"'))


def rows(store: Store, table: str, contact_ids: Sequence[int] | None = None) -> list[Row]:
    """All rows of ``table`` by id; with ``contact_ids``, only what belongs to those
    contacts (and the companies, follow-ups and interactions they need)."""
    return [row for batch in row_batches(store, table, contact_ids) for row in batch]


def row_batches(
    store: Store, table: str, contact_ids: Sequence[int] | None = None, size: int = 1_000
) -> Iterator[list[Row]]:
    """The rows :func:`rows` gives, ``size`` at a time from one cursor (an export of a
    100,000-contact database never holds a table)."""
    columns, where = _selection(store, table, contact_ids)
    select = ", ".join(f"{expr} AS {_quoted(name)}" for name, expr in columns)
    yield from store.batches(f'SELECT {select} FROM "{table}" WHERE {where} ORDER BY id', size=size)


def json_row_batches(
    store: Store,
    table: str,
    contact_ids: Sequence[int] | None = None,
    *,
    opening: str,
    item_separator: str,
    key_separator: str,
    closing: str,
    size: int = 1_000,
) -> Iterator[list[str | Row]]:
    """The rows :func:`row_batches` gives, each as the text of a JSON object written by
    SQLite: ``opening``, then ``"column"``, ``key_separator`` and the value for each
    column, joined by ``item_separator``, then ``closing``. The JSON dump of 100,000
    contacts (1.3 million rows) is so written in C in one ``printf`` per row, about half
    the time of building a dict per row for json's encoder.

    SQLite's ``json_quote`` escapes text exactly as ``json.dumps(ensure_ascii=False)``
    does (checked for every code point) and writes integers and null alike. A REAL it
    would print with 15 digits where Python prints the shortest exact form, and a BLOB is
    no JSON: a row holding either comes as its dict instead, for the caller to encode."""
    columns, where = _selection(store, table, contact_ids)
    template = (
        opening
        + item_separator.join(json.dumps(name) + key_separator + "%s" for name, _ in columns)
        + closing
    )
    quoted = ", ".join(f"json_quote({expr})" for _name, expr in columns)
    odd = " OR ".join(f"typeof({expr}) IN ('real', 'blob')" for _name, expr in columns)
    text = f"CASE WHEN {odd} THEN NULL ELSE printf({_literal(template)}, {quoted}) END"
    sql = f'SELECT {text} AS text, id FROM "{table}" WHERE {where} ORDER BY id'
    select = ", ".join(f"{expr} AS {_quoted(name)}" for name, expr in columns)
    for batch in store.batches(sql, size=size, tuples=True):
        texts: list[str | Row] = [text for text, _id in batch]
        if None in texts:
            for index, (text, row_id) in enumerate(batch):
                if text is None:
                    texts[index] = store.query(
                        f'SELECT {select} FROM "{table}" WHERE id = ?', [row_id]
                    )[0]
        yield texts


def note_damaged(store: Store, contact_ids: Sequence[int] | None = None) -> None:
    """Note on ``store`` each damaged JSON value of the contacts the dump carries (it
    carries the text as stored, which a restore refuses), so the CLI warns as every
    reading command does. Only values that are not simply empty are judged."""
    where = "" if contact_ids is None else "AND id IN (SELECT id FROM dump_ids)"
    for batch in store.batches(
        "SELECT id, custom, vcard_extra FROM contacts "
        f"WHERE (custom NOT IN ('{{}}', '') OR vcard_extra NOT IN ('[]', '')) {where} ORDER BY id",
        size=1_000,
        tuples=True,
    ):
        for row_id, custom, extra in batch:
            jsonvalues.read(store, "contacts", "custom", row_id, custom)
            jsonvalues.read(store, "contacts", "vcard_extra", row_id, extra)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _selection(
    store: Store, table: str, contact_ids: Sequence[int] | None
) -> tuple[list[tuple[str, str]], str]:
    """(column name, SQL expression) of each column of ``table``, and the WHERE clause
    that keeps what belongs to ``contact_ids`` (all rows when None)."""
    if table not in DATA_TABLES:
        raise ValueError(table)
    columns = [(name, _quoted(name)) for name in store.columns(table)]
    if contact_ids is None:
        return columns, "1"
    ids = list(contact_ids)
    store.conn.execute("CREATE TEMP TABLE IF NOT EXISTS dump_ids (id INTEGER PRIMARY KEY)")
    store.conn.execute("DELETE FROM dump_ids")
    store.conn.executemany("INSERT INTO dump_ids (id) VALUES (?)", [(i,) for i in ids])
    where = {
        "contacts": "id IN (SELECT id FROM dump_ids)",
        "companies": (
            "id IN (SELECT company_id FROM contacts WHERE id IN (SELECT id FROM dump_ids))"
            " OR id IN (SELECT company_id FROM deals WHERE contact_id IN (SELECT id FROM dump_ids))"
        ),
        "deal_stage_changes": (
            "deal_id IN (SELECT id FROM deals WHERE contact_id IN (SELECT id FROM dump_ids))"
        ),
        "followups": "contact_id IN (SELECT id FROM dump_ids)",
        "interaction_contacts": "contact_id IN (SELECT id FROM dump_ids)",
        "interactions": (
            "id IN (SELECT interaction_id FROM interaction_contacts "
            "WHERE contact_id IN (SELECT id FROM dump_ids))"
        ),
        "tag_cadences": "1",
        # a "not a duplicate" pair goes with a part only if both of its contacts do
        "dupe_ignores": (
            "contact_a_uid IN (SELECT uid FROM contacts WHERE id IN (SELECT id FROM dump_ids))"
            " AND contact_b_uid IN (SELECT uid FROM contacts WHERE id IN (SELECT id FROM dump_ids))"
        ),
    }.get(table, "contact_id IN (SELECT id FROM dump_ids)")
    if table in ("followups", "interactions"):
        # a link to another contact's deal (not in this dump) is left out, so that the
        # part restores on its own
        columns = [
            (
                name,
                "CASE WHEN deal_id IN (SELECT id FROM deals WHERE contact_id IN "
                "(SELECT id FROM dump_ids)) THEN deal_id END"
                if name == "deal_id"
                else expr,
            )
            for name, expr in columns
        ]
    return columns, where


def most_items(
    store: Store, contact_ids: Sequence[int], custom_left_out: Sequence[str] = ()
) -> dict[str, int] | None:
    """For the contacts ``contact_ids``: the largest number of emails, phones, addresses,
    URLs and dates one of them has (keys ``emails`` ... ``dates``), and of custom fields
    other than ``custom_left_out`` (key ``custom``). What a CSV with one column per value
    (Google's) needs for its header, without reading every contact whole. None when a
    contact's custom fields are not a JSON object SQLite can read (the caller then counts
    them as the contacts are read)."""
    ids = json.dumps(list(contact_ids))
    unreadable = store.scalar(
        "SELECT 1 FROM contacts WHERE id IN (SELECT value FROM json_each(?)) "
        "AND custom IS NOT NULL AND (NOT json_valid(custom) OR json_type(custom) != 'object') "
        "LIMIT 1",
        [ids],
    )
    if unreadable:
        return None
    result = {}
    for kind in ("emails", "phones", "addresses", "urls", "dates"):
        result[kind] = int(
            store.scalar(
                f"SELECT max(n) FROM (SELECT count(*) AS n FROM contact_{kind} "
                "WHERE contact_id IN (SELECT value FROM json_each(?)) GROUP BY contact_id)",
                [ids],
            )
            or 0
        )
    result["custom"] = int(
        store.scalar(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM contacts c, json_each(c.custom) f "
            "WHERE c.id IN (SELECT value FROM json_each(?)) "
            "AND f.key NOT IN (SELECT value FROM json_each(?)) GROUP BY c.id)",
            [ids, json.dumps(list(custom_left_out))],
        )
        or 0
    )
    return result
