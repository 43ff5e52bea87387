"""Read queries over interactions, follow-ups and keep-in-touch data. Plain SQL, dict rows."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from minicrm.contacts.queries import first_value_sql
from minicrm.db.store import Row, Store

_FOLLOWUP_SELECT = """
SELECT f.*, c.uid AS contact_uid, c.display_name AS contact_name
FROM followups f LEFT JOIN contacts c ON c.id = f.contact_id
"""

# The same, with how to reach each follow-up's contact (what `due`, `agenda` and the
# digest show beside it): first email and phone through their covering indexes, the
# latest interaction through contacts.last_interaction_id. One query instead of four.
_FOLLOWUP_REACH_SELECT = f"""
SELECT f.*, c.uid AS contact_uid, c.display_name AS contact_name,
    {first_value_sql("contact_emails", "f.contact_id")} AS reach_email,
    {first_value_sql("contact_phones", "f.contact_id")} AS reach_phone,
    li.id AS reach_last_id, li.kind AS reach_last_kind, li.occurred_at AS reach_last_at,
    li.body AS reach_last_body
FROM followups f LEFT JOIN contacts c ON c.id = f.contact_id
LEFT JOIN interactions li ON li.id = c.last_interaction_id
"""


def followup_row(store: Store, followup_id: int) -> Row | None:
    return store.query_one(_FOLLOWUP_SELECT + " WHERE f.id = ?", [followup_id])


def followup_rows(
    store: Store,
    *,
    statuses: Sequence[str] = ("open",),
    contact_id: int | None = None,
    due_before: str | None = None,  # inclusive, YYYY-MM-DD
    limit: int | None = None,
    reach: bool = False,
    stream: bool = False,
) -> Iterable[Row]:
    """Follow-ups in due order (all-day items first on a day, then by time, priority).
    With ``reach``, each row also has reach_email, reach_phone and the contact's latest
    interaction as reach_last_id/_kind/_at/_body (all None without a contact). With
    ``stream`` an iterator that reads the rows as they are used, else a list."""
    if tuple(statuses) == ("open",):  # spelled out, so the partial index can serve it
        where, params = ["f.status = 'open'"], list[object]()
    else:
        where = [f"f.status IN ({', '.join('?' for _ in statuses)})"]
        params = list[object](statuses)
    if contact_id is not None:
        where.append("f.contact_id = ?")
        params.append(contact_id)
    if due_before is not None:
        where.append("f.due_date <= ?")
        params.append(due_before)
    sql = (
        (_FOLLOWUP_REACH_SELECT if reach else _FOLLOWUP_SELECT)
        + " WHERE "
        + " AND ".join(where)
        + " ORDER BY f.due_date, f.due_time IS NOT NULL, f.due_time,"
        " CASE f.priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END, f.id"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return store.iter_query(sql, params) if stream else store.query(sql, params)


# One row per series: its open occurrence (the earliest due, if several were reopened), or
# its last one when none is open; with the contact's first email and phone and the deal.
_SERIES_TASK_SELECT = f"""
WITH heads AS (
    SELECT id, ROW_NUMBER() OVER (
        PARTITION BY series_uid
        ORDER BY status = 'open' DESC,
            CASE WHEN status = 'open' THEN due_date END,
            CASE WHEN status = 'open' THEN due_time END,
            occurrence DESC, id DESC
    ) AS n
    FROM followups
)
SELECT f.*, c.uid AS contact_uid, c.display_name AS contact_name,
    {first_value_sql("contact_emails", "f.contact_id")} AS reach_email,
    {first_value_sql("contact_phones", "f.contact_id")} AS reach_phone,
    d.uid AS deal_uid, d.title AS deal_title
FROM heads h JOIN followups f ON f.id = h.id AND h.n = 1
LEFT JOIN contacts c ON c.id = f.contact_id
LEFT JOIN deals d ON d.id = f.deal_id
"""


def series_task_rows(
    store: Store, *, open_only: bool = False, series_uids: Sequence[str] | None = None
) -> list[Row]:
    """One row per series of follow-ups (see _SERIES_TASK_SELECT), in due order; with
    ``open_only`` only the series that have an open occurrence; with ``series_uids``
    only those series."""
    import json

    where, params = [], []
    if open_only:
        where.append("f.status = 'open'")
    if series_uids is not None:
        where.append("f.series_uid IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(series_uids)))
    sql = _SERIES_TASK_SELECT + (" WHERE " + " AND ".join(where) if where else "")
    return store.query(sql + " ORDER BY f.due_date, f.due_time, f.id", params)


def series_task_row(store: Store, series_uid: str) -> Row | None:
    return store.query_one(_SERIES_TASK_SELECT + " WHERE f.series_uid = ?", [series_uid])


def series_followup_rows(store: Store, series_uid: str) -> list[Row]:
    """Every occurrence of a series, in occurrence order."""
    return store.query(
        _FOLLOWUP_SELECT + " WHERE f.series_uid = ? ORDER BY f.occurrence, f.id", [series_uid]
    )


def series_has_occurrence(store: Store, series_uid: str, occurrence: int) -> bool:
    return (
        store.scalar(
            "SELECT 1 FROM followups WHERE series_uid = ? AND occurrence = ? LIMIT 1",
            [series_uid, occurrence],
        )
        is not None
    )


def followup_ids_of_contact(store: Store, contact_id: int) -> list[int]:
    return [
        r["id"] for r in store.query("SELECT id FROM followups WHERE contact_id = ?", [contact_id])
    ]


def interaction_row(store: Store, interaction_id: int) -> Row | None:
    return store.query_one("SELECT * FROM interactions WHERE id = ?", [interaction_id])


def interaction_rows_for_contact(
    store: Store, contact_id: int, limit: int | None = None
) -> list[Row]:
    sql = (
        "SELECT i.* FROM interaction_contacts ic JOIN interactions i ON i.id = ic.interaction_id "
        "WHERE ic.contact_id = ? ORDER BY i.occurred_at DESC, i.id DESC"
    )
    params: list[Any] = [contact_id]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return store.query(sql, params)


def last_interaction_rows(store: Store, contact_ids: Sequence[int]) -> dict[int, Row]:
    """The latest interaction of each contact: id, kind, occurred_at and body, through
    ``contacts.last_interaction_id`` (kept by interactions.touch_contact), in one query."""
    import json

    result: dict[int, Row] = {}
    for row in store.query(
        "SELECT c.id AS for_contact, i.id, i.kind, i.occurred_at, i.body"
        " FROM contacts c JOIN interactions i ON i.id = c.last_interaction_id"
        " WHERE c.id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(dict.fromkeys(contact_ids)))],
    ):
        result[row.pop("for_contact")] = row
    return result


def reach_rows(store: Store, contact_ids: Sequence[int]) -> list[Row]:
    """How to reach each contact, in one query: its first email and phone (from their
    covering indexes) and its latest interaction (through ``contacts.last_interaction_id``):
    id, email, phone, last_id, last_kind, last_at, last_body."""
    import json

    return store.query(
        f"SELECT c.id, {first_value_sql('contact_emails', 'c.id')} AS email, "
        f"{first_value_sql('contact_phones', 'c.id')} AS phone, li.id AS last_id, "
        "li.kind AS last_kind, li.occurred_at AS last_at, li.body AS last_body "
        "FROM contacts c LEFT JOIN interactions li ON li.id = c.last_interaction_id "
        "WHERE c.id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(dict.fromkeys(contact_ids)))],
    )


def interaction_links(store: Store, interaction_ids: Sequence[int]) -> dict[int, list[Row]]:
    """interaction id -> [{link id, contact id, uid, name}] in the order they were added."""
    result: dict[int, list[Row]] = {iid: [] for iid in interaction_ids}
    for start in range(0, len(interaction_ids), 500):
        chunk = list(interaction_ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        for row in store.query(
            "SELECT ic.id AS link_id, ic.interaction_id, c.id, c.uid, c.display_name AS name "
            "FROM interaction_contacts ic JOIN contacts c ON c.id = ic.contact_id "
            f"WHERE ic.interaction_id IN ({marks}) ORDER BY ic.id",
            chunk,
        ):
            result[row["interaction_id"]].append(row)
    return result


def latest_interaction_of_contact(store: Store, contact_id: int) -> Row | None:
    """{id, occurred_at} of the contact's latest interaction (by time, then id), or None."""
    return store.query_one(
        "SELECT i.id, i.occurred_at FROM interaction_contacts ic "
        "JOIN interactions i ON i.id = ic.interaction_id WHERE ic.contact_id = ? "
        "ORDER BY i.occurred_at DESC, i.id DESC LIMIT 1",
        [contact_id],
    )


def interactions_of_followup(store: Store, followup_id: int) -> list[int]:
    return [
        r["id"]
        for r in store.query("SELECT id FROM interactions WHERE followup_id = ?", [followup_id])
    ]


def tag_cadence_rows(store: Store) -> list[Row]:
    return store.query("SELECT * FROM tag_cadences ORDER BY tag")


def tag_cadence_row(store: Store, tag: str) -> Row | None:
    return store.query_one("SELECT * FROM tag_cadences WHERE tag = ?", [tag])


def cadence_candidates(store: Store) -> list[Row]:
    """Unarchived contacts with a cadence of their own or through a tag, with the clock's
    start: id, uid, display_name, own cadence, else the shortest tag cadence and its tag.

    Two parts: contacts with a cadence of their own, then the others found from the tags
    that have one (a few rows of tag_cadences, then the tag index). A LEFT JOIN of every
    contact to the tags' cadences is slower (docs/performance.md, "Figures behind the
    code"), and this query is what `stale` waits for before its first line."""
    return store.query(
        """
        SELECT c.id, c.uid, c.display_name, c.cadence_days, c.last_contacted_at, c.created_at,
               NULL AS tag_days, NULL AS tag
        FROM contacts c
        WHERE c.archived = 0 AND c.cadence_days IS NOT NULL
        UNION ALL
        SELECT c.id, c.uid, c.display_name, NULL, c.last_contacted_at, c.created_at,
               t.days, t.tag
        FROM (
            SELECT ct.contact_id, min(tc.days) AS days, tc.tag
            FROM tag_cadences tc CROSS JOIN contact_tags ct ON ct.tag = tc.tag
            GROUP BY ct.contact_id
        ) t JOIN contacts c ON c.id = t.contact_id
        WHERE c.archived = 0 AND c.cadence_days IS NULL
        """
    )


def dated_contacts(store: Store, month_days: Collection[str] | None = None) -> list[Row]:
    """Unarchived contacts' birthdays and important dates: contact, label, value; with
    ``month_days`` (``MM-DD`` strings), only the dates that fall on one of them."""
    import json

    on_days = (
        "" if month_days is None else "AND substr({}, -5) IN (SELECT value FROM json_each(:days))"
    )
    return store.query(
        f"""
        SELECT c.id, c.uid, c.display_name, 'birthday' AS label, c.birthday AS value
        FROM contacts c WHERE c.archived = 0 AND c.birthday IS NOT NULL
            {on_days.format("c.birthday")}
        UNION ALL
        SELECT c.id, c.uid, c.display_name, coalesce(d.label, 'date') AS label, d.value
        FROM contact_dates d JOIN contacts c ON c.id = d.contact_id WHERE c.archived = 0
            {on_days.format("d.value")}
        """,
        {"days": json.dumps(sorted(month_days or ()))},
    )


STALE_SLACK_DAYS = 3
"""How far `rough` (:func:`stale_ranked`) can be from a contact's exact local day plus
cadence: less than one day for the zone's offset (at most 26 hours from UTC, even across
a zone's historical change) and one for truncating before 1970; three to be safe."""


def stale_ranked(store: Store, before_day: int) -> Iterator[Row]:
    """:func:`cadence_candidates` with ``rough``: the UTC day of the clock's start (days
    since 1970, truncated) plus the cadence, in that order, those before ``before_day``
    only (and any whose stamp SQLite cannot read, first), read as they are used. `stale`
    ranks them exactly :data:`STALE_SLACK_DAYS` behind the cursor (views.iter_stale), so
    its first screen does not wait for every candidate's local day in Python."""
    return store.iter_query(
        """
        SELECT * FROM (
            SELECT c.id, c.uid, c.display_name, c.cadence_days, c.last_contacted_at,
                   c.created_at, NULL AS tag_days, NULL AS tag,
                   CAST(julianday(coalesce(c.last_contacted_at, c.created_at)) - 2440587.5
                        AS INTEGER) + c.cadence_days AS rough
            FROM contacts c
            WHERE c.archived = 0 AND c.cadence_days IS NOT NULL
            UNION ALL
            SELECT c.id, c.uid, c.display_name, NULL, c.last_contacted_at, c.created_at,
                   t.days, t.tag,
                   CAST(julianday(coalesce(c.last_contacted_at, c.created_at)) - 2440587.5
                        AS INTEGER) + t.days
            FROM (
                SELECT ct.contact_id, min(tc.days) AS days, tc.tag
                FROM tag_cadences tc CROSS JOIN contact_tags ct ON ct.tag = tc.tag
                GROUP BY ct.contact_id
            ) t JOIN contacts c ON c.id = t.contact_id
            WHERE c.archived = 0 AND c.cadence_days IS NULL
        )
        WHERE rough IS NULL OR rough < :before
        ORDER BY rough
        """,
        {"before": before_day},
    )
