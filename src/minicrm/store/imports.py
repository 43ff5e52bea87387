"""Lookups the importer needs to match incoming contacts."""

from __future__ import annotations

from minicrm.store.db import Row, Store


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
