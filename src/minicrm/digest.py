"""The daily digest: everything that needs the user today, in one message for cron.

:func:`build` gathers it as of a local day; :func:`record` notes the run, so the next
digest can catch up on the days between two runs ("missed since your last digest").
Rendering lives in :mod:`minicrm.render_digest`, delivery in :mod:`minicrm.mail`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from minicrm import clock, dates, pipeline, views
from minicrm.dates import When
from minicrm.models import DateItem, DueItem, StaleItem
from minicrm.pipeline import DealAlerts
from minicrm.store import digests as queries
from minicrm.store.db import Store

STALE_AFTER_DAYS = 2


@dataclass(frozen=True)
class Digest:
    as_of: date
    days: int
    generated_at: str
    previous: date | None  # the day of the last digest before this one, if any
    missed: tuple[DueItem, ...]  # still open, fell due in the gap since the last digest
    missed_dates: tuple[DateItem, ...]  # birthdays and dates that passed in the gap
    overdue: tuple[DueItem, ...]
    today: tuple[DueItem, ...]
    upcoming: tuple[DueItem, ...]
    stale: tuple[StaleItem, ...]
    dates: tuple[DateItem, ...]
    deals: DealAlerts | None = None  # open deals closing soon, past their close, idle

    @property
    def deal_count(self) -> int:
        return self.deals.count if self.deals is not None else 0

    @property
    def gap(self) -> bool:
        """True when the last digest was more than a day before this one."""
        return self.previous is not None and (self.as_of - self.previous).days > 1

    @property
    def count(self) -> int:
        return (
            sum(
                len(part)
                for part in (
                    self.missed,
                    self.missed_dates,
                    self.overdue,
                    self.today,
                    self.upcoming,
                    self.stale,
                    self.dates,
                )
            )
            + self.deal_count
        )

    @property
    def empty(self) -> bool:
        return self.count == 0

    def summary(self) -> str:
        """One line: '2 overdue, 1 today, 3 upcoming, 1 to get in touch with, 1 date'."""
        parts = []
        for number, label in (
            (len(self.missed), "missed"),
            (len(self.overdue), "overdue"),
            (len(self.today), "today"),
            (len(self.upcoming), "upcoming"),
            (len(self.stale), "to get in touch with"),
            (
                len(self.dates) + len(self.missed_dates),
                "date" if len(self.dates) + len(self.missed_dates) == 1 else "dates",
            ),
            (self.deal_count, "deal" if self.deal_count == 1 else "deals"),
        ):
            if number:
                parts.append(f"{number} {label}")
        return ", ".join(parts) or "nothing to do"

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "days": self.days,
            "generated_at": self.generated_at,
            "previous_digest": self.previous.isoformat() if self.previous else None,
            "gap": self.gap,
            "empty": self.empty,
            "summary": self.summary(),
            "missed": [i.to_dict() for i in self.missed],
            "missed_dates": [i.to_dict() for i in self.missed_dates],
            "overdue": [i.to_dict() for i in self.overdue],
            "today": [i.to_dict() for i in self.today],
            "upcoming": [i.to_dict() for i in self.upcoming],
            "stale": [i.to_dict() for i in self.stale],
            "dates": [i.to_dict() for i in self.dates],
            "deals": self.deals.to_dict()
            if self.deals is not None
            else {"days": self.days, "overdue_close": [], "closing": [], "no_next_step": []},
        }


def build(
    store: Store, *, days: int = 7, deal_days: int | None = None, on: When | None = None
) -> Digest:
    """Gather the digest as of ``on`` (default today): follow-ups overdue, today and in the
    next ``days`` days, contacts past their cadence, dates in the next ``days`` days, open
    deals whose close date has passed or comes within ``deal_days`` (default ``days``) days
    or that have no next step, and, after a gap since the previous digest, what fell due
    in between."""
    today = dates.today(on)
    dates.window_end(today, days)
    with store.snapshot():
        previous_row = queries.previous_run(store, today.isoformat())
        previous = date.fromisoformat(previous_row["as_of"]) if previous_row else None
        gap_start = (
            previous + timedelta(days=1) if previous and (today - previous).days > 1 else None
        )
        items = views.agenda(store, days=days, on=on)
        missed, overdue, due_today, upcoming = [], [], [], []
        for item in items:
            due = date.fromisoformat(item.followup.due_date)
            if not item.overdue:
                (due_today if due == today else upcoming).append(item)
            elif gap_start is not None and gap_start <= due < today:
                missed.append(item)
            else:
                overdue.append(item)
        missed_dates: list[DateItem] = []
        if gap_start is not None:
            passed = views.birthdays(  # from gap_start to yesterday
                store,
                days=min((today - gap_start).days - 1, dates.MAX_DAYS_AHEAD),
                on=When(gap_start),
            )
            # counted from today, so they read "2 days ago"
            missed_dates = [
                replace(item, days_until=(date.fromisoformat(item.next_date) - today).days)
                for item in passed
            ]
        return Digest(
            as_of=today,
            days=days,
            generated_at=clock.utc_stamp(),
            previous=previous,
            missed=tuple(missed),
            missed_dates=tuple(missed_dates),
            overdue=tuple(overdue),
            today=tuple(due_today),
            upcoming=tuple(upcoming),
            stale=tuple(views.stale(store, on=on)),
            dates=tuple(views.birthdays(store, days=days, on=on)),
            deals=pipeline.alerts(store, days=days if deal_days is None else deal_days, on=on),
        )


def record(
    store: Store, digest: Digest, *, fmt: str, status: str, sent_to: list[str] | None = None
) -> None:
    """Note that a digest ran (bookkeeping, not undoable history)."""
    store.append_log(
        "digest_runs",
        {
            "ran_at": clock.utc_stamp(),
            "as_of": digest.as_of.isoformat(),
            "format": fmt,
            "items": digest.count,
            "sent_to": ", ".join(sent_to) if sent_to else None,
            "status": status,
        },
    )


def overdue_note(store: Store) -> str | None:
    """A reminder for an interactive command when cron seems to have stopped: the last
    digest ran over two days ago (None if none ever ran, or one ran recently)."""
    row = queries.last_run(store)
    if row is None:
        return None
    ran = dates.local_datetime(row["ran_at"])
    age = (dates.local_now() - ran).days
    if age < STALE_AFTER_DAYS:
        return None
    return (
        f"note: the last digest ran {age} days ago ({ran:%Y-%m-%d %H:%M}); "
        "is its cron job or timer still running?"
    )
