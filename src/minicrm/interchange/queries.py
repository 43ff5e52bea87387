"""Lookups the importer needs to match incoming contacts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from minicrm.db.store import Row, Store


def any_contacts(store: Store) -> bool:
    return store.scalar("SELECT 1 FROM contacts LIMIT 1") is not None


def contact_by_uid(store: Store, uid: str) -> int | None:
    return store.scalar("SELECT id FROM contacts WHERE uid = ?", [uid])


def contact_by_email(store: Store, email_key: str) -> int | None:
    return store.scalar(
        "SELECT min(contact_id) FROM contact_emails WHERE value_key = ?", [email_key]
    )


def contact_by_name(store: Store, name_key: str) -> int | None:
    return store.scalar("SELECT min(id) FROM contacts WHERE name_key = ?", [name_key])


def has_emails(store: Store, contact_id: int) -> bool:
    return (
        store.scalar("SELECT 1 FROM contact_emails WHERE contact_id = ? LIMIT 1", [contact_id])
        is not None
    )


def child_rows(store: Store, table: str, contact_id: int) -> list[Row]:
    return store.query(
        f'SELECT * FROM "{table}" WHERE contact_id = ? ORDER BY position, id', [contact_id]
    )


def tags_of(store: Store, contact_id: int) -> set[str]:
    return {
        r["tag"]
        for r in store.query("SELECT tag FROM contact_tags WHERE contact_id = ?", [contact_id])
    }


def company_name(store: Store, company_id: int) -> str:
    return str(store.scalar("SELECT name FROM companies WHERE id = ?", [company_id]) or "")


# The tables an import fills, whose own (non-unique, explicitly created) indexes can be
# built after the load instead of row by row.
LOADED_TABLES = (
    "contacts",
    "contact_emails",
    "contact_phones",
    "contact_addresses",
    "contact_urls",
    "contact_dates",
    "contact_tags",
)


@contextmanager
def indexes_built_after(store: Store, enabled: bool = True) -> Iterator[None]:
    """Inside a transaction: drop the explicit indexes of :data:`LOADED_TABLES` and create
    them again when the block ends without an error. SQLite builds an index over loaded
    rows by sorting them, much faster than inserting each key into a B-tree as rows
    arrive. Only for a database without contacts, where the load is all
    there is and the importer looks nothing up (its matching uses dicts). On an error
    the transaction's rollback puts the indexes back; the unique constraints stay."""
    if not enabled:
        yield
        return
    marks = ", ".join("?" for _ in LOADED_TABLES)
    indexes = [
        (row["name"], row["sql"])
        for row in store.query(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY rowid",
            list(LOADED_TABLES),
        )
    ]
    for name, _sql in indexes:
        store.conn.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        store.conn.execute(sql)
