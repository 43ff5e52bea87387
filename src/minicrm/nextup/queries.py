"""The light rows `next` ranks: plain tuples, only the columns the urgency needs, so the
candidates of a 100,000-contact database are scored without building a record for each."""

from __future__ import annotations

from typing import Any

from minicrm.db.store import Store


def _tuples(store: Store, sql: str, params: list[Any] | None = None) -> list[Any]:
    return [
        row for batch in store.batches(sql, params or [], size=5_000, tuples=True) for row in batch
    ]


def open_followups_due_by(store: Store, last_day: str) -> list[Any]:
    """(id, due_date, due_time, priority, amount_minor, currency) of the open follow-ups due
    on or before ``last_day``; the amount and currency are those of the open deal the
    follow-up is a step of (else None). Served by the partial index of open follow-ups."""
    return _tuples(
        store,
        "SELECT f.id, f.due_date, f.due_time, f.priority, d.amount_minor, d.currency"
        " FROM followups f LEFT JOIN deals d ON d.id = f.deal_id"
        " AND d.stage NOT IN ('won', 'lost')"
        " WHERE f.status = 'open' AND f.due_date <= ?",
        [last_day],
    )


def cadence_rows(store: Store) -> list[Any]:
    """(id, cadence in days, clock start stamp) of every unarchived contact with a cadence
    of its own or through a tag (the shortest of its tags')."""
    return _tuples(
        store,
        """
        SELECT c.id, c.cadence_days, coalesce(c.last_contacted_at, c.created_at)
        FROM contacts c WHERE c.archived = 0 AND c.cadence_days IS NOT NULL
        UNION ALL
        SELECT c.id, t.days, coalesce(c.last_contacted_at, c.created_at)
        FROM (
            SELECT ct.contact_id, min(tc.days) AS days
            FROM tag_cadences tc CROSS JOIN contact_tags ct ON ct.tag = tc.tag
            GROUP BY ct.contact_id
        ) t JOIN contacts c ON c.id = t.contact_id
        WHERE c.archived = 0 AND c.cadence_days IS NULL
        """,
    )


def deal_candidates(store: Store, today: str) -> list[Any]:
    """(id, title, stage, amount_minor, currency, close_date, contact_id, has next step)
    of the open deals whose close date is before ``today`` or that have no open follow-up."""
    return _tuples(
        store,
        """
        SELECT d.id, d.title, d.stage, d.amount_minor, d.currency, d.close_date, d.contact_id,
               EXISTS (SELECT 1 FROM followups f WHERE f.deal_id = d.id AND f.status = 'open')
                   AS has_step
        FROM deals d
        WHERE d.stage NOT IN ('won', 'lost')
          AND ((d.close_date IS NOT NULL AND d.close_date < ?)
               OR NOT EXISTS (
                   SELECT 1 FROM followups f WHERE f.deal_id = d.id AND f.status = 'open'))
        """,
        [today],
    )


def deal_count(store: Store) -> int:
    """Whether there are deals at all (a cheap check before the deal query)."""
    return int(_tuples(store, "SELECT EXISTS (SELECT 1 FROM deals)")[0][0])


def dated_today(store: Store, month_days: list[str]) -> list[Any]:
    """(contact id, label, value) of the birthdays and important dates of unarchived
    contacts falling on one of ``month_days`` (``MM-DD``)."""
    import json

    days = json.dumps(month_days)
    return _tuples(
        store,
        """
        SELECT c.id, 'birthday', c.birthday FROM contacts c
        WHERE c.archived = 0 AND c.birthday IS NOT NULL
          AND substr(c.birthday, -5) IN (SELECT value FROM json_each(?))
        UNION ALL
        SELECT c.id, coalesce(d.label, 'date'), d.value
        FROM contact_dates d JOIN contacts c ON c.id = d.contact_id
        WHERE c.archived = 0 AND substr(d.value, -5) IN (SELECT value FROM json_each(?))
        """,
        [days, days],
    )


def contact_names(store: Store, ids: list[int]) -> dict[int, tuple[str, str]]:
    """contact id -> (uid, display name)."""
    import json

    return {
        row[0]: (row[1], row[2])
        for row in _tuples(
            store,
            "SELECT id, uid, display_name FROM contacts"
            " WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(ids)],
        )
    }


def deal_refs(store: Store, ids: list[int]) -> dict[int, tuple[str, str]]:
    """deal id -> (uid, title)."""
    import json

    return {
        row[0]: (row[1], row[2])
        for row in _tuples(
            store,
            "SELECT id, uid, title FROM deals WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(ids)],
        )
    }
