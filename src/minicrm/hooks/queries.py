"""What the committed change sets of a command wrote, for the hooks."""

from __future__ import annotations

import json
from collections.abc import Sequence

from minicrm.db.store import Row, Store


def written(store: Store, changesets: Sequence[int], entities: Sequence[str]) -> list[Row]:
    """The history rows of ``changesets`` (commands only: an undo or redo fires no hook)
    for the tables ``entities``, in the order written: op, entity, row_id, the owning
    contact of a contact's child row, and the status before and after (follow-ups)."""
    if not changesets or not entities:
        return []
    return store.query(
        "SELECT h.op, h.entity, h.row_id, "
        "json_extract(coalesce(h.after, h.before), '$.contact_id') AS contact_id, "
        "json_extract(h.before, '$.status') AS status_before, "
        "json_extract(h.after, '$.status') AS status_after, "
        "CASE WHEN h.entity = 'contacts' AND h.op = 'update' THEN h.before END AS old, "
        "CASE WHEN h.entity = 'contacts' AND h.op = 'update' THEN h.after END AS new "
        "FROM history h JOIN changesets c ON c.id = h.changeset_id "
        "WHERE h.changeset_id IN (SELECT value FROM json_each(?)) AND c.kind = 'command' "
        "AND h.entity IN (SELECT value FROM json_each(?)) ORDER BY h.id",
        [json.dumps(list(changesets)), json.dumps(list(entities))],
    )
