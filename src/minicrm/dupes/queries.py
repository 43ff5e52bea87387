"""Read queries for finding duplicate contacts and for merging two of them.

Finding pairs never compares every contact with every other: the candidates come from
blocks that SQL builds from indexes (contacts sharing an email key, a phone key, or a
company), and only pairs inside a block are looked at (see minicrm/dupes.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from minicrm.db.store import Row, Store

_KEY_TABLES = ("contact_emails", "contact_phones")


def shared_keys(store: Store, table: str, *, archived: bool) -> list[Row]:
    """Rows (value_key, contact_id, value) of every email or phone key that more than one
    contact has, ordered by key, contact and position. ``archived``: include archived
    contacts."""
    if table not in _KEY_TABLES:
        raise ValueError(table)
    only_active = "" if archived else "AND c.archived = 0"
    return store.query(
        f"SELECT t.value_key, t.contact_id, t.value FROM {table} t "
        "JOIN contacts c ON c.id = t.contact_id "
        f"WHERE t.value_key IN (SELECT value_key FROM {table} GROUP BY value_key "
        f"HAVING count(DISTINCT contact_id) > 1) {only_active} "
        "ORDER BY t.value_key, t.contact_id, t.position, t.id"
    )


def company_members(store: Store, *, archived: bool) -> list[Row]:
    """(id, name_key, company_id) of every contact with a company, by company then id."""
    only_active = "" if archived else "AND archived = 0"
    return store.query(
        "SELECT id, name_key, company_id FROM contacts "
        f"WHERE company_id IS NOT NULL {only_active} ORDER BY company_id, id"
    )


def same_name_rows(store: Store, *, most: int) -> list[Row]:
    """(id, name_key, display_name, archived, company_id, company_name) of the contacts
    whose name key is shared by 2 to ``most`` contacts (archived ones included), by key
    then id. The groups come from the name index alone, without reading the table."""
    return store.query(
        "SELECT c.id, c.name_key, c.display_name, c.archived, c.company_id, "
        "co.name AS company_name FROM contacts c "
        "LEFT JOIN companies co ON co.id = c.company_id "
        "WHERE c.name_key IN (SELECT name_key FROM contacts GROUP BY name_key "
        "HAVING count(*) BETWEEN 2 AND ?) ORDER BY c.name_key, c.id",
        [most],
    )


def company_name(store: Store, company_id: int) -> str:
    return str(store.scalar("SELECT name FROM companies WHERE id = ?", [company_id]))


def contact_briefs(store: Store, ids: Sequence[int]) -> dict[int, Row]:
    """id -> {id, uid, display_name, name_key, archived, company_id, company_name}."""
    rows = store.query(
        "SELECT c.id, c.uid, c.display_name, c.name_key, c.archived, c.company_id, "
        "co.name AS company_name FROM contacts c LEFT JOIN companies co ON co.id = c.company_id "
        "WHERE c.id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(ids))],
    )
    return {r["id"]: r for r in rows}


def ignored_pairs(store: Store) -> set[tuple[str, str]]:
    """The (uid, uid) pairs marked "not a duplicate", each in sorted order."""
    return {
        (r["contact_a_uid"], r["contact_b_uid"])
        for r in store.query("SELECT contact_a_uid, contact_b_uid FROM dupe_ignores")
    }


def ignore_row(store: Store, uid_a: str, uid_b: str) -> Row | None:
    first, second = sorted((uid_a, uid_b))
    return store.query_one(
        "SELECT * FROM dupe_ignores WHERE contact_a_uid = ? AND contact_b_uid = ?",
        [first, second],
    )


def ignore_rows_naming(store: Store, uid: str) -> list[Row]:
    return store.query(
        "SELECT * FROM dupe_ignores WHERE contact_a_uid = ? OR contact_b_uid = ? ORDER BY id",
        [uid, uid],
    )


def ignore_rows(store: Store) -> list[Row]:
    """Every remembered pair, with the two contacts' ids and names where they still exist."""
    return store.query(
        "SELECT d.id, d.contact_a_uid, d.contact_b_uid, d.created_at, "
        "a.id AS a_id, a.display_name AS a_name, b.id AS b_id, b.display_name AS b_name "
        "FROM dupe_ignores d LEFT JOIN contacts a ON a.uid = d.contact_a_uid "
        "LEFT JOIN contacts b ON b.uid = d.contact_b_uid ORDER BY d.id"
    )


def interaction_links_of(store: Store, contact_id: int) -> list[Row]:
    """(id, interaction_id) of a contact's interaction links."""
    return store.query(
        "SELECT id, interaction_id FROM interaction_contacts WHERE contact_id = ? ORDER BY id",
        [contact_id],
    )
