"""Queries over the record of digest runs."""

from __future__ import annotations

from minicrm.db.store import Row, Store


def previous_run(store: Store, before_day: str) -> Row | None:
    """The latest recorded digest for a day before ``before_day`` (YYYY-MM-DD)."""
    return store.query_one(
        "SELECT * FROM digest_runs WHERE as_of < ? ORDER BY as_of DESC, id DESC LIMIT 1",
        [before_day],
    )


def last_run(store: Store) -> Row | None:
    """The digest that ran last (by wall-clock time)."""
    return store.query_one("SELECT * FROM digest_runs ORDER BY ran_at DESC, id DESC LIMIT 1")
