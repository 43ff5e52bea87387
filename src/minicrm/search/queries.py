"""The search's queries: the full-text index's hits (the index itself, and how it is kept
in step with every write, is :mod:`minicrm.db.searchindex`) and the contact filters."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from minicrm.core.errors import InvalidInput
from minicrm.db.store import Row, Store, translate_sqlite_error

START, END = "\x02", "\x03"  # snippet markers


def hits(store: Store, fts_query: str) -> Iterator[Row]:
    """Index rows matching ``fts_query``, best first, with a highlighted snippet."""
    try:
        cursor = store.conn.execute(
            "SELECT kind, item_id, contact_id, "
            f"snippet(search_index, -1, '{START}', '{END}', '…', 12) AS snippet "
            "FROM search_index WHERE search_index MATCH ? ORDER BY rank",
            [fts_query],
        )
        for row in cursor:
            yield dict(row)
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc) or "syntax" in str(exc):
            raise InvalidInput(
                "cannot read the search query", hint='e.g. pricing, "next quarter", a OR b'
            ) from None
        raise translate_sqlite_error(exc, store.busy_timeout) from exc


def interaction_contacts(store: Store, interaction_id: int) -> list[int]:
    return [
        r["contact_id"]
        for r in store.query(
            "SELECT contact_id FROM interaction_contacts WHERE interaction_id = ? ORDER BY id",
            [interaction_id],
        )
    ]


# What each search filter (``tag:vip``, ``company:acme``, ...) matches, given its value
# as a key (folded the way the column's key is).
_FILTERS = {
    "tag": "c.id IN (SELECT contact_id FROM contact_tags WHERE tag = ?)",
    "company": "c.company_id IN (SELECT id FROM companies WHERE instr(name_key, ?) > 0)",
    "stage": "c.stage = ?",
    "email": "c.id IN (SELECT contact_id FROM contact_emails WHERE instr(value_key, ?) > 0)",
    "phone": "c.id IN (SELECT contact_id FROM contact_phones WHERE instr(value_key, ?) > 0)",
    "name": "instr(c.name_key, ?) > 0",
    "ids": "c.id IN (SELECT value FROM json_each(?))",  # a JSON array of contact ids
}


def contact_ids_matching(store: Store, filters: list[tuple[str, str]]) -> set[int]:
    """The contacts matching every (filter name, key) pair."""
    sql = "SELECT c.id FROM contacts c"
    if filters:
        sql += " WHERE " + " AND ".join(_FILTERS[name] for name, _ in filters)
    return {r["id"] for r in store.query(sql, [key for _, key in filters])}
