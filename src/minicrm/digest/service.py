"""The daily digest: everything that needs the user today, in one message for cron.

:func:`build` gathers it as of a local day; :func:`record` notes the run, so the next
digest can catch up on the days between two runs ("missed since your last digest").
Rendering lives in :mod:`minicrm.digest.render`, delivery in :mod:`minicrm.digest.mail`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from minicrm.activity import views
from minicrm.activity.models import DateItem, DueItem, StaleItem
from minicrm.core import clock, dates
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput
from minicrm.db.store import Store
from minicrm.deals import pipeline
from minicrm.deals.pipeline import DealAlerts
from minicrm.digest import queries

STALE_AFTER_DAYS = 2

# Every section, in reading order; the deals' three are DealAlerts' groups.
SECTIONS = (
    "missed",
    "missed_dates",
    "overdue",
    "today",
    "upcoming",
    "stale",
    "dates",
    "deals_overdue_close",
    "deals_closing",
    "deals_no_next_step",
)


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
    limit: int | None = None  # entries kept per section (None: all)
    left_out: dict[str, int] = field(default_factory=dict)  # section -> entries past the limit

    def shown(self, section: str) -> int:
        """How many entries of a section (a name in SECTIONS) the digest holds."""
        if section.startswith("deals_"):
            return len(getattr(self.deals, section[6:])) if self.deals is not None else 0
        return len(getattr(self, section))

    def total(self, section: str) -> int:
        """How many entries the section has, the ones past the limit included."""
        return self.shown(section) + self.left_out.get(section, 0)

    @property
    def deal_count(self) -> int:
        return sum(self.total(s) for s in SECTIONS if s.startswith("deals_"))

    @property
    def gap(self) -> bool:
        """True when the last digest was more than a day before this one."""
        return self.previous is not None and (self.as_of - self.previous).days > 1

    @property
    def count(self) -> int:
        return sum(self.total(s) for s in SECTIONS)

    @property
    def empty(self) -> bool:
        return self.count == 0

    def summary(self) -> str:
        """One line: '2 overdue, 1 today, 3 upcoming, 1 to get in touch with, 1 date'."""
        parts = []
        dated = self.total("dates") + self.total("missed_dates")
        for number, label in (
            (self.total("missed"), "missed"),
            (self.total("overdue"), "overdue"),
            (self.total("today"), "today"),
            (self.total("upcoming"), "upcoming"),
            (self.total("stale"), "to get in touch with"),
            (dated, "date" if dated == 1 else "dates"),
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
            "limit": self.limit,
            "counts": {s: self.total(s) for s in SECTIONS},
        }


def build(
    store: Store,
    *,
    days: int = 7,
    deal_days: int | None = None,
    on: When | None = None,
    limit: int | None = None,
) -> Digest:
    """Gather the digest as of ``on`` (default today): follow-ups overdue, today and in the
    next ``days`` days, contacts past their cadence, dates in the next ``days`` days, open
    deals whose close date has passed or comes within ``deal_days`` (default ``days``) days
    or that have no next step, and, after a gap since the previous digest, what fell due
    in between.

    With ``limit``, each section keeps its first ``limit`` entries and counts the rest
    (:meth:`Digest.total`); the contacts past their cadence get their reach (email, phone,
    last interaction) only for those kept."""
    if limit is not None and limit < 1:
        raise InvalidInput(f"digest limit {limit} is out of range", hint="1 or more, or none")
    left_out: dict[str, int] = {}

    def cap(section: str, items: list[Any]) -> tuple[Any, ...]:
        if limit is not None and len(items) > limit:
            left_out[section] = len(items) - limit
            return tuple(items[:limit])
        return tuple(items)

    today = dates.today(on)
    dates.window_end(today, days)
    with store.snapshot():
        previous_row = queries.previous_run(store, today.isoformat())
        previous = date.fromisoformat(previous_row["as_of"]) if previous_row else None
        gap_start = (
            previous + timedelta(days=1) if previous and (today - previous).days > 1 else None
        )
        items = views.agenda(store, days=days, on=on)
        missed: list[DueItem] = []
        overdue: list[DueItem] = []
        due_today: list[DueItem] = []
        upcoming: list[DueItem] = []
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
        stale, stale_total = views.stale_first(store, on=on, limit=limit)
        if stale_total > len(stale):
            left_out["stale"] = stale_total - len(stale)
        deals = pipeline.alerts(store, days=days if deal_days is None else deal_days, on=on)
        return Digest(
            as_of=today,
            days=days,
            generated_at=clock.utc_stamp(),
            previous=previous,
            missed=cap("missed", missed),
            missed_dates=cap("missed_dates", missed_dates),
            overdue=cap("overdue", overdue),
            today=cap("today", due_today),
            upcoming=cap("upcoming", upcoming),
            stale=tuple(stale),
            dates=cap("dates", views.birthdays(store, days=days, on=on)),
            deals=replace(
                deals,
                overdue_close=cap("deals_overdue_close", list(deals.overdue_close)),
                closing=cap("deals_closing", list(deals.closing)),
                no_next_step=cap("deals_no_next_step", list(deals.no_next_step)),
            ),
            limit=limit,
            left_out=left_out,
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
