"""Prefix queries for shell completion: each reads an index range and stops at a limit,
so a Tab press costs the same on 100 contacts and on 100,000."""

from __future__ import annotations

from minicrm.db.store import Row, Store

# The upper bound of a prefix range: every string starting with the prefix sorts before
# prefix + this character.
_TOP = "\U0010ffff"


def _range(prefix: str) -> list[str]:
    return [prefix, prefix + _TOP]


def id_ranges(prefix: str, largest: int) -> list[tuple[int, int]]:
    """The id ranges whose decimal form starts with ``prefix`` (digits), up to ``largest``:
    12 -> 12, 120-129, 1200-1299, ... (rowid ranges: no table scan)."""
    if not prefix.isdigit() or prefix.startswith("0"):
        return [(1, largest)] if prefix == "" else []
    out, low, width = [], int(prefix), 1
    while low <= largest:
        out.append((low, min(low + width - 1, largest)))
        low, width = low * 10, width * 10
    return out


def _ids_where(prefix: str, largest: int, column: str = "id") -> tuple[str, list[int]]:
    ranges = id_ranges(prefix, largest)[:19]
    if not ranges:
        return "0", []
    sql = " OR ".join(f"{column} BETWEEN ? AND ?" for _ in ranges)
    return f"({sql})", [n for pair in ranges for n in pair]


def largest_id(store: Store, table: str) -> int:
    assert table in ("contacts", "followups", "deals", "interactions", "companies")
    return int(store.scalar(f'SELECT coalesce(max(id), 0) FROM "{table}"') or 0)


def contacts_by_id(store: Store, prefix: str, limit: int) -> list[Row]:
    where, params = _ids_where(prefix, largest_id(store, "contacts"))
    return store.query(
        "SELECT id, display_name AS name, "
        "(SELECT value FROM contact_emails e WHERE e.contact_id = c.id "
        " ORDER BY position, id LIMIT 1) AS email "
        f"FROM contacts c WHERE {where} ORDER BY id LIMIT ?",
        [*params, limit],
    )


def contacts_by_name(store: Store, key_prefix: str, limit: int) -> list[Row]:
    """Contacts whose name (as :func:`minicrm.core.validate.key` forms it) starts with
    ``key_prefix``, by name."""
    return store.query(
        "SELECT id, display_name AS name, archived, "
        "(SELECT value FROM contact_emails e WHERE e.contact_id = c.id "
        " ORDER BY position, id LIMIT 1) AS email "
        "FROM contacts c WHERE name_key >= ? AND name_key < ? ORDER BY name_key, id LIMIT ?",
        [*_range(key_prefix), limit],
    )


def contacts_by_word(store: Store, word: str, limit: int) -> list[Row]:
    """Contacts with a word of their name starting with ``word`` (the full-text index:
    ``doe`` finds Jane Doe)."""
    if not word or not word.replace("-", "").replace("'", "").isalnum():
        return []
    return store.query(
        "SELECT c.id, c.display_name AS name, c.archived, "
        "(SELECT value FROM contact_emails e WHERE e.contact_id = c.id "
        " ORDER BY position, id LIMIT 1) AS email "
        "FROM (SELECT item_id FROM search_index WHERE search_index MATCH ? AND kind = 'contact' "
        "      LIMIT ?) s JOIN contacts c ON c.id = s.item_id ORDER BY c.name_key LIMIT ?",
        ['name : "' + word.replace('"', "") + '" *', limit * 4, limit],
    )


def contacts_by_email(store: Store, key_prefix: str, limit: int) -> list[Row]:
    return store.query(
        "SELECT e.value AS email, c.id, c.display_name AS name FROM contact_emails e "
        "JOIN contacts c ON c.id = e.contact_id "
        "WHERE e.value_key >= ? AND e.value_key < ? ORDER BY e.value_key LIMIT ?",
        [*_range(key_prefix), limit],
    )


def tags(store: Store, prefix: str, limit: int) -> list[Row]:
    """Tags starting with ``prefix``, each with how many contacts have it."""
    return store.query(
        "SELECT tag, count(*) AS n FROM contact_tags WHERE tag >= ? AND tag < ? "
        "GROUP BY tag ORDER BY tag LIMIT ?",
        [*_range(prefix), limit],
    )


def companies(store: Store, key_prefix: str, limit: int) -> list[Row]:
    return store.query(
        "SELECT id, name, (SELECT count(*) FROM contacts c WHERE c.company_id = co.id) AS n "
        "FROM companies co WHERE name_key >= ? AND name_key < ? ORDER BY name_key LIMIT ?",
        [*_range(key_prefix), limit],
    )


def followups(store: Store, prefix: str, status: str | None, limit: int) -> list[Row]:
    """Follow-ups whose id starts with ``prefix``: open ones (``status``) by due date."""
    where, params = _ids_where(prefix, largest_id(store, "followups"), "f.id")
    state = "AND f.status = ?" if status else ""
    return store.query(
        "SELECT f.id, f.title, f.due_date, c.display_name AS name FROM followups f "
        f"LEFT JOIN contacts c ON c.id = f.contact_id WHERE {where} {state} "
        "ORDER BY f.due_date IS NULL, f.due_date, f.id LIMIT ?",
        [*params, *([status] if status else []), limit],
    )


def deals(store: Store, prefix: str, open_only: bool, limit: int) -> list[Row]:
    where, params = _ids_where(prefix, largest_id(store, "deals"), "d.id")
    state = "AND d.closed_at IS NULL" if open_only else ""
    return store.query(
        "SELECT d.id, d.title, d.stage, c.display_name AS name FROM deals d "
        f"LEFT JOIN contacts c ON c.id = d.contact_id WHERE {where} {state} "
        "ORDER BY d.id DESC LIMIT ?",
        [*params, limit],
    )


def interactions(store: Store, prefix: str, limit: int) -> list[Row]:
    where, params = _ids_where(prefix, largest_id(store, "interactions"), "i.id")
    return store.query(
        "SELECT i.id, i.kind, substr(i.body, 1, 60) AS body, i.occurred_at "
        f"FROM interactions i WHERE {where} ORDER BY i.id DESC LIMIT ?",
        [*params, limit],
    )
