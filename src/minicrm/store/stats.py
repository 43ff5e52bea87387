"""Read queries for minicrm stats: the recorded rows each figure is computed from.

Stamps are UTC ISO-8601 strings, so ``<`` compares them in time order; the callers pass
bounds a day wider than the period and place each row on its local day themselves.
"""

from __future__ import annotations

from minicrm.store.db import Row, Store


def interactions_between(store: Store, start: str, end: str) -> list[Row]:
    """kind and occurred_at of interactions that happened in [start, end)."""
    return store.query(
        "SELECT id, kind, occurred_at FROM interactions "
        "WHERE occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at",
        [start, end],
    )


def contacts_created_between(store: Store, start: str, end: str) -> list[Row]:
    return store.query(
        "SELECT id, created_at FROM contacts WHERE created_at >= ? AND created_at < ?",
        [start, end],
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


def cadence_contacts(store: Store) -> list[Row]:
    """Unarchived contacts with their own cadence and the shortest cadence of their tags."""
    return store.query(
        """
        SELECT c.id, c.cadence_days, c.created_at, t.days AS tag_days
        FROM contacts c
        LEFT JOIN (
            SELECT ct.contact_id, min(tc.days) AS days
            FROM contact_tags ct JOIN tag_cadences tc ON tc.tag = ct.tag
            GROUP BY ct.contact_id
        ) t ON t.contact_id = c.id
        WHERE c.archived = 0 AND (c.cadence_days IS NOT NULL OR t.days IS NOT NULL)
        """
    )


def last_contact_before(store: Store, end: str) -> dict[int, str]:
    """contact id -> when its latest interaction before ``end`` happened."""
    return {
        r["contact_id"]: r["last"]
        for r in store.query(
            "SELECT ic.contact_id, max(i.occurred_at) AS last FROM interaction_contacts ic "
            "JOIN interactions i ON i.id = ic.interaction_id WHERE i.occurred_at < ? "
            "GROUP BY ic.contact_id",
            [end],
        )
    }


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
