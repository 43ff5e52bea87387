"""The full-text index (FTS5, accent- and case-insensitive): what it holds and how it is
kept in step. Its table is created by a migration (:data:`minicrm.db.schema.SEARCH_SCHEMA`);
its queries are :mod:`minicrm.search.queries`.

The Store notes which contacts, interactions, follow-ups and deals a transaction touched and
calls :func:`reindex` just before it commits, so every write path (commands, imports,
undo) keeps the index in step through one place. Each item has a fixed rowid
(contact id*4+1, interaction id*4+2, follow-up id*4+3, deal id*4), so refreshing one is a delete and
an insert by rowid, never a scan. Everything here works on a connection: the Store, the
migrations and ``db check`` all call it.
"""

from __future__ import annotations

import sqlite3

CONTACT, INTERACTION, FOLLOWUP, DEAL = 1, 2, 3, 4
KINDS = {CONTACT: "contact", INTERACTION: "interaction", FOLLOWUP: "followup", DEAL: "deal"}


def rowid(kind: int, item_id: int) -> int:
    """An item's fixed rowid: id*4+1 a contact, +2 an interaction, +3 a follow-up, and
    id*4 a deal (migration 0017)."""
    return item_id * 4 + kind % 4


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
# A deal: its title, lost reason and stage, and its company's name; its hits belong to
# the deal's contact (or to no contact, for a company's deal).
_DEAL_ROWS = """
SELECT d.id * 4, 'deal', d.id, d.contact_id, '', '', '', '',
    coalesce((SELECT name FROM companies WHERE id = d.company_id), ''),
    d.title || coalesce(' ' || d.lost_reason, '') || ' ' || d.stage FROM deals d
"""
_INSERT = (
    "INSERT INTO search_index (rowid, kind, item_id, contact_id, name, emails, phones, tags, "
    "company, body) "
)


def rebuild_sql_selects(*, deals: bool = True) -> list[str]:
    """The rows the index should hold, per kind (rowid first, then its columns). Without
    ``deals``: the kinds indexed before migration 0017 (the migrations 0005 and 0010,
    which ran before the deals table existed or was indexed, read this)."""
    selects = [_CONTACT_ROWS, _INTERACTION_ROWS, _FOLLOWUP_ROWS]
    return [*selects, _DEAL_ROWS] if deals else selects


def rebuild_sql(*, deals: bool = True) -> list[str]:
    """Statements that fill an empty index from the tables."""
    return [_INSERT + select for select in rebuild_sql_selects(deals=deals)]


def deal_rows_sql() -> str:
    """The statement that indexes every deal (migration 0017)."""
    return _INSERT + _DEAL_ROWS


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
        dirty.setdefault(DEAL, set()).update(
            r[0]
            for r in conn.execute(
                f"SELECT id FROM deals WHERE company_id IN ({marks})", list(companies)
            )
        )
    for kind, ids, select, key in (
        (CONTACT, dirty[CONTACT], _CONTACT_ROWS, "c.id"),
        (INTERACTION, dirty[INTERACTION], _INTERACTION_ROWS, "i.id"),
        (FOLLOWUP, dirty[FOLLOWUP], _FOLLOWUP_ROWS, "f.id"),
        (DEAL, dirty.get(DEAL, set()), _DEAL_ROWS, "d.id"),
    ):
        if not ids:
            continue
        items = sorted(ids)
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            conn.executemany(
                "DELETE FROM search_index WHERE rowid = ?", [(rowid(kind, i),) for i in chunk]
            )
            marks = ", ".join("?" for _ in chunk)
            conn.execute(_INSERT + select + f" WHERE {key} IN ({marks})", chunk)


def check(conn: sqlite3.Connection) -> None:
    """FTS5's own integrity check (raises sqlite3 errors when the index is damaged)."""
    conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")
