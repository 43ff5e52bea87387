"""Raw rows of the data tables, for the JSON dump and its restore."""

from __future__ import annotations

from collections.abc import Sequence

from minicrm.store.db import Row, Store
from minicrm.store.schema import DATA_TABLES


def is_empty(store: Store) -> bool:
    """No user data at all (a restore keeps ids only into an empty database)."""
    return all(store.scalar(f'SELECT count(*) FROM "{table}"') == 0 for table in DATA_TABLES)


def rows(store: Store, table: str, contact_ids: Sequence[int] | None = None) -> list[Row]:
    """All rows of ``table`` by id; with ``contact_ids``, only what belongs to those
    contacts (and the companies, follow-ups and interactions they need)."""
    if table not in DATA_TABLES:
        raise ValueError(table)
    if contact_ids is None:
        return store.query(f'SELECT * FROM "{table}" ORDER BY id')
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
    result = store.query(f'SELECT * FROM "{table}" WHERE {where} ORDER BY id')
    if table in ("followups", "interactions"):
        # a link to another contact's deal (not in this dump) is left out, so that the
        # part restores on its own
        kept = {
            r["id"]
            for r in store.query(
                "SELECT id FROM deals WHERE contact_id IN (SELECT id FROM dump_ids)"
            )
        }
        for row in result:
            if row.get("deal_id") is not None and row["deal_id"] not in kept:
                row["deal_id"] = None
    return result
