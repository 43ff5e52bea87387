"""SQL of the sync state (tables sync_folders and sync_items, migration 0015).

Written inside the sync's own transaction, with plain SQL: the state is bookkeeping, not
user data, so it is not recorded in history (see db/schema.py SYNC_SCHEMA).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from minicrm.db.store import Row, Store, translate_sqlite_error


@dataclass
class StateRow:
    href: str
    uid: str
    local_uid: str
    etag: str


def _run(store: Store, sql: str, params: Iterable[object] = ()) -> None:
    import sqlite3

    if not store.in_transaction:
        raise RuntimeError("sync state is written inside Store.transaction()")
    try:
        store.conn.execute(sql, list(params))
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, store.busy_timeout) from exc


def folder(store: Store, kind: str, path: str) -> Row | None:
    return store.query_one("SELECT * FROM sync_folders WHERE kind = ? AND path = ?", [kind, path])


def add_folder(store: Store, kind: str, path: str) -> int:
    _run(store, "INSERT INTO sync_folders (kind, path) VALUES (?, ?)", [kind, path])
    row = folder(store, kind, path)
    assert row is not None
    return int(row["id"])


def mark_folder(
    store: Store, folder_id: int, changeset: int, changeset_uid: str | None, at: str
) -> None:
    _run(
        store,
        "UPDATE sync_folders SET seen_changeset = ?, seen_changeset_uid = ?, synced_at = ? "
        "WHERE id = ?",
        [changeset, changeset_uid, at, folder_id],
    )


def latest_changeset(store: Store) -> tuple[int, str | None]:
    row = store.query_one("SELECT id, uid FROM changesets ORDER BY id DESC LIMIT 1")
    return (int(row["id"]), row["uid"]) if row else (0, None)


def changeset_uid(store: Store, changeset: int) -> str | None:
    return store.scalar("SELECT uid FROM changesets WHERE id = ?", [changeset])


def items(store: Store, folder_id: int) -> dict[str, StateRow]:
    """The state of every item of the folder by file name (not the items' text)."""
    rows = store.batches(
        "SELECT href, uid, local_uid, etag FROM sync_items WHERE folder_id = ?",
        [folder_id],
        size=2_000,
        tuples=True,
    )
    return {r[0]: StateRow(*r) for batch in rows for r in batch}


def item_texts(store: Store, folder_id: int, hrefs: Iterable[str]) -> dict[str, str]:
    import json

    wanted = json.dumps(list(hrefs))
    rows = store.query(
        "SELECT href, item FROM sync_items WHERE folder_id = ? "
        "AND href IN (SELECT value FROM json_each(?))",
        [folder_id, wanted],
    )
    return {r["href"]: r["item"] for r in rows}


def put_item(
    store: Store, folder_id: int, href: str, uid: str, local_uid: str, etag: str, text: str
) -> None:
    _run(
        store,
        "INSERT OR REPLACE INTO sync_items (folder_id, href, uid, local_uid, etag, item) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [folder_id, href, uid, local_uid, etag, text],
    )


def set_etag(store: Store, folder_id: int, href: str, etag: str) -> None:
    _run(
        store,
        "UPDATE sync_items SET etag = ? WHERE folder_id = ? AND href = ?",
        [etag, folder_id, href],
    )


def drop_item(store: Store, folder_id: int, href: str) -> None:
    _run(store, "DELETE FROM sync_items WHERE folder_id = ? AND href = ?", [folder_id, href])


def changed_uids(store: Store, since: int, entities: Iterable[str]) -> set[str]:
    """The uids history records for rows of ``entities`` changed after change set ``since``
    (a child table's rows carry their contact's uid)."""
    import json

    rows = store.query(
        "SELECT DISTINCT uid FROM history WHERE changeset_id > ? AND uid IS NOT NULL "
        "AND entity IN (SELECT value FROM json_each(?))",
        [since, json.dumps(list(entities))],
    )
    return {r["uid"] for r in rows}


def changed_rows(store: Store, since: int, entity: str) -> set[int]:
    """Row ids of ``entity`` changed after change set ``since``."""
    rows = store.query(
        "SELECT DISTINCT row_id FROM history WHERE changeset_id > ? AND entity = ?",
        [since, entity],
    )
    return {int(r["row_id"]) for r in rows}


def count_items(store: Store, folder_id: int) -> int:
    return int(
        store.scalar("SELECT count(*) FROM sync_items WHERE folder_id = ?", [folder_id]) or 0
    )


# -- contacts -------------------------------------------------------------------------------

CONTACT_ENTITIES = (
    "contacts",
    "contact_emails",
    "contact_phones",
    "contact_addresses",
    "contact_urls",
    "contact_tags",
    "contact_dates",
)


def contact_ids(store: Store, uids: Iterable[str]) -> dict[str, tuple[int, bool]]:
    """uid -> (id, archived) of the contacts with these uids."""
    import json

    rows = store.query(
        "SELECT uid, id, archived FROM contacts WHERE uid IN (SELECT value FROM json_each(?))",
        [json.dumps(list(uids))],
    )
    return {r["uid"]: (int(r["id"]), bool(r["archived"])) for r in rows}


def active_contact_ids(store: Store) -> list[int]:
    return [int(r["id"]) for r in store.query("SELECT id FROM contacts WHERE archived = 0")]


def contact_uids_by_email(store: Store, email_key: str) -> list[tuple[str, bool]]:
    """(uid, archived) of the contacts with this email, oldest first."""
    rows = store.query(
        "SELECT DISTINCT c.uid, c.archived, c.id FROM contact_emails e "
        "JOIN contacts c ON c.id = e.contact_id WHERE e.value_key = ? ORDER BY c.id",
        [email_key],
    )
    return [(r["uid"], bool(r["archived"])) for r in rows]


def contact_uids_of_companies(store: Store, company_ids: Iterable[int]) -> set[str]:
    import json

    rows = store.query(
        "SELECT uid FROM contacts WHERE company_id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(company_ids))],
    )
    return {r["uid"] for r in rows}


def contact_children(store: Store, table: str, contact_id: int) -> list[Row]:
    if table not in CONTACT_ENTITIES:
        raise ValueError(table)
    return store.query(
        f'SELECT * FROM "{table}" WHERE contact_id = ? ORDER BY position, id', [contact_id]
    )


def contact_tag_rows(store: Store, contact_id: int) -> list[Row]:
    return store.query("SELECT id, tag FROM contact_tags WHERE contact_id = ?", [contact_id])


# -- tasks (series of follow-ups) -----------------------------------------------------------


def changed_series(store: Store, since: int, contact_entities: Iterable[str]) -> set[str]:
    """Series uids whose task may read differently after change set ``since``: a
    follow-up of the series changed (or was deleted), or its contact (name, email, phone)
    or its deal did."""
    import json

    rows = store.query(
        "SELECT DISTINCT json_extract(coalesce(after, before), '$.series_uid') AS s"
        " FROM history WHERE changeset_id > ? AND entity = 'followups'",
        [since],
    )
    found = {r["s"] for r in rows if r["s"]}
    contacts = changed_uids(store, since, contact_entities)
    if contacts:
        found |= {
            r["series_uid"]
            for r in store.query(
                "SELECT DISTINCT f.series_uid FROM followups f JOIN contacts c"
                " ON c.id = f.contact_id WHERE c.uid IN (SELECT value FROM json_each(?))",
                [json.dumps(sorted(contacts))],
            )
        }
    deals = changed_rows(store, since, "deals")
    if deals:
        found |= {
            r["series_uid"]
            for r in store.query(
                "SELECT DISTINCT series_uid FROM followups"
                " WHERE deal_id IN (SELECT value FROM json_each(?))",
                [json.dumps(sorted(deals))],
            )
        }
    return found


def series_exists(store: Store, series_uid: str) -> bool:
    return (
        store.scalar("SELECT 1 FROM followups WHERE series_uid = ? LIMIT 1", [series_uid])
        is not None
    )


def contact_uid_by_name(store: Store, name: str) -> str | None:
    """The uid of the one contact (not archived) with this display name (any case)."""
    rows = store.query(
        "SELECT uid FROM contacts WHERE archived = 0 AND lower(display_name) = lower(?) LIMIT 2",
        [name],
    )
    return rows[0]["uid"] if len(rows) == 1 else None


def contact_uid_exists(store: Store, uid: str) -> bool:
    return store.scalar("SELECT 1 FROM contacts WHERE uid = ?", [uid]) is not None
