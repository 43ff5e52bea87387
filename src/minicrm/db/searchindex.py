"""The full-text index (FTS5, accent- and case-insensitive): what it holds and how it is
kept in step. Its table is created by a migration (:data:`minicrm.db.schema.SEARCH_SCHEMA`);
its queries are :mod:`minicrm.search.queries`.

The Store notes which contacts, interactions and follow-ups a transaction touched and
calls :func:`reindex` just before it commits, so every write path (commands, imports,
undo) keeps the index in step through one place. Each item has a fixed rowid
(contact id*4+1, interaction id*4+2, follow-up id*4+3), so refreshing one is a delete and
an insert by rowid, never a scan. Everything here works on a connection: the Store, the
migrations and ``db check`` all call it.
"""

from __future__ import annotations

import sqlite3

CONTACT, INTERACTION, FOLLOWUP = 1, 2, 3
KINDS = {CONTACT: "contact", INTERACTION: "interaction", FOLLOWUP: "followup"}

_CONTACT_ROWS = """
SELECT c.id * 4 + 1, 'contact', c.id, c.id,
    trim(c.display_name || coalesce(' ' || c.nickname, '') ||
         CASE WHEN trim(coalesce(c.given_name, '') || ' ' || coalesce(c.family_name, ''))
                   = c.display_name THEN ''  -- "Zoë Williams" once, not twice in a snippet
              ELSE coalesce(' ' || c.given_name, '') || coalesce(' ' || c.family_name, '') END),
    coalesce((SELECT group_concat(value, ' ') FROM contact_emails WHERE contact_id = c.id), ''),
    coalesce((SELECT group_concat(value || ' ' || value_key, ' ') FROM contact_phones
              WHERE contact_id = c.id), ''),
    coalesce((SELECT group_concat(tag, ' ') FROM contact_tags WHERE contact_id = c.id), ''),
    trim(coalesce((SELECT name FROM companies WHERE id = c.company_id), '') || ' ' ||
         coalesce(c.title, '')),
    trim(coalesce(c.notes, '') || ' ' || coalesce(c.source, '') || ' ' ||
         coalesce(c.stage, '') || ' ' ||
         -- custom fields; a damaged value (not JSON) is left out, not an error
         CASE WHEN json_valid(c.custom) THEN coalesce(
             (SELECT group_concat(value, ' ') FROM json_each(c.custom)), '') ELSE '' END)
FROM contacts c
"""
_INTERACTION_ROWS = """
SELECT i.id * 4 + 2, 'interaction', i.id, NULL, '', '', '', '', '', i.body FROM interactions i
"""
_FOLLOWUP_ROWS = """
SELECT f.id * 4 + 3, 'followup', f.id, f.contact_id, '', '', '', '', '',
    f.title || ' ' || coalesce(f.notes, '') FROM followups f
"""
_INSERT = (
    "INSERT INTO search_index (rowid, kind, item_id, contact_id, name, emails, phones, tags, "
    "company, body) "
)


def rebuild_sql_selects() -> list[str]:
    """The rows the index should hold, per kind (rowid first, then its columns)."""
    return [_CONTACT_ROWS, _INTERACTION_ROWS, _FOLLOWUP_ROWS]


def rebuild_sql() -> list[str]:
    """Statements that fill an empty index from the tables."""
    return [_INSERT + _CONTACT_ROWS, _INSERT + _INTERACTION_ROWS, _INSERT + _FOLLOWUP_ROWS]


def rebuild(conn: sqlite3.Connection) -> None:
    """Empty the index and fill it again from the tables."""
    conn.execute("DELETE FROM search_index")
    for statement in rebuild_sql():
        conn.execute(statement)


def reindex(conn: sqlite3.Connection, dirty: dict[int, set[int]], companies: set[int]) -> None:
    """Refresh the index rows of the items a transaction touched (inside it)."""
    if companies:
        marks = ", ".join("?" for _ in companies)
        dirty[CONTACT].update(
            r[0]
            for r in conn.execute(
                f"SELECT id FROM contacts WHERE company_id IN ({marks})", list(companies)
            )
        )
    for kind, ids, select, key in (
        (CONTACT, dirty[CONTACT], _CONTACT_ROWS, "c.id"),
        (INTERACTION, dirty[INTERACTION], _INTERACTION_ROWS, "i.id"),
        (FOLLOWUP, dirty[FOLLOWUP], _FOLLOWUP_ROWS, "f.id"),
    ):
        if not ids:
            continue
        items = sorted(ids)
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            conn.executemany(
                "DELETE FROM search_index WHERE rowid = ?", [(i * 4 + kind,) for i in chunk]
            )
            marks = ", ".join("?" for _ in chunk)
            conn.execute(_INSERT + select + f" WHERE {key} IN ({marks})", chunk)


def check(conn: sqlite3.Connection) -> None:
    """FTS5's own integrity check (raises sqlite3 errors when the index is damaged)."""
    conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")
