"""Read queries for minicrm stats: the recorded rows each figure is computed from.

Stamps are UTC ISO-8601 strings, so ``<`` compares them in time order; the callers pass
bounds a day wider than the period and place each row on its local day themselves.
"""

from __future__ import annotations

from minicrm.db.store import Row, Store


def _bucket_sql(column: str, bounds: list[str]) -> tuple[str, list[str]]:
    """``CASE`` placing ``column`` in bucket i when bounds[i] <= it < bounds[i + 1], and
    the condition that it is in one."""
    cases = " ".join(f"WHEN {column} < ? THEN {i - 1}" for i in range(1, len(bounds)))
    return f"CASE {cases} END", [*bounds[1:], bounds[0], bounds[-1]]


def interactions_per_bucket(store: Store, bounds: list[str]) -> list[Row]:
    """(kind, bucket, n): interactions that happened in each [bounds[i], bounds[i + 1])."""
    bucket, params = _bucket_sql("occurred_at", bounds)
    return store.query(
        f"SELECT kind, {bucket} AS bucket, count(*) AS n FROM interactions "
        "WHERE occurred_at >= ? AND occurred_at < ? GROUP BY kind, bucket",
        params,
    )


def contacts_created_per_bucket(store: Store, bounds: list[str]) -> list[Row]:
    """(bucket, n): contacts added in each [bounds[i], bounds[i + 1])."""
    bucket, params = _bucket_sql("created_at", bounds)
    return store.query(
        f"SELECT {bucket} AS bucket, count(*) AS n FROM contacts "
        "WHERE created_at >= ? AND created_at < ? GROUP BY bucket",
        params,
    )


def followups_due_between(store: Store, first_day: str, last_day: str) -> list[Row]:
    """Follow-ups due on a day in [first_day, last_day] (YYYY-MM-DD), any status."""
    return store.query(
        "SELECT id, due_date, status, completed_at, cancelled_at, created_at FROM followups "
        "WHERE due_date >= ? AND due_date <= ? ORDER BY due_date, id",
        [first_day, last_day],
    )


def followups_done_between(store: Store, start: str, end: str) -> list[Row]:
    """Follow-ups completed in [start, end) (UTC stamps), whatever their due date: those
    kept before they were due count on the day they were done."""
    return store.query(
        "SELECT id, due_date, status, completed_at, cancelled_at, created_at FROM followups "
        "WHERE completed_at >= ? AND completed_at < ? ORDER BY due_date, id",
        [start, end],
    )


def cadence_contacts(store: Store, end: str) -> list[Row]:
    """Unarchived contacts with their own cadence and the shortest cadence of their tags,
    each with ``last``: when its latest interaction before ``end`` happened (or None).

    ``contacts.last_contacted_at`` is the latest interaction of all (kept by
    interactions.touch_contact; db check verifies it), so it is the answer whenever it is
    before ``end``; only a contact with an interaction on or after ``end`` (stats as of an
    earlier day) looks further, through its own links: grouping every link of every
    contact instead is slow on a large database."""
    return store.query(
        """
        SELECT c.id, c.cadence_days, c.created_at, t.days AS tag_days,
            CASE WHEN c.last_contacted_at IS NULL OR c.last_contacted_at < :end
                THEN c.last_contacted_at
                ELSE (SELECT max(i.occurred_at) FROM interaction_contacts ic
                      JOIN interactions i ON i.id = ic.interaction_id
                      WHERE ic.contact_id = c.id AND i.occurred_at < :end)
            END AS last
        FROM contacts c
        LEFT JOIN (
            SELECT ct.contact_id, min(tc.days) AS days
            FROM contact_tags ct JOIN tag_cadences tc ON tc.tag = ct.tag
            GROUP BY ct.contact_id
        ) t ON t.contact_id = c.id
        WHERE c.archived = 0 AND (c.cadence_days IS NOT NULL OR t.days IS NOT NULL)
        """,
        {"end": end},
    )


def contact_tags(store: Store) -> list[Row]:
    return store.query("SELECT contact_id, tag FROM contact_tags ORDER BY tag, contact_id")


def deals_created_before(store: Store, end: str) -> list[Row]:
    return store.query(
        "SELECT id, title, amount_minor, currency, stage, probability, close_date, "
        "lost_reason, created_at FROM deals WHERE created_at < ? ORDER BY id",
        [end],
    )


def stage_changes_before(store: Store, end: str) -> list[Row]:
    """Every recorded stage change before ``end``, in time order."""
    return store.query(
        "SELECT deal_id, from_stage, to_stage, changed_at FROM deal_stage_changes "
        "WHERE changed_at < ? ORDER BY changed_at, id",
        [end],
    )
