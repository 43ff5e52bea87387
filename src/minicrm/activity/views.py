"""The daily views: what is due, the agenda, who is overdue for contact, birthdays (a
contact's page is :func:`minicrm.contacts.reading.contact_page`). Read-only; everything is
computed as of a local day (``--on``)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from minicrm.activity import followups, queries
from minicrm.activity.models import (
    DateItem,
    DueItem,
    LastInteraction,
    Reach,
    StaleItem,
)
from minicrm.core import dates
from minicrm.core.dates import When
from minicrm.core.models import Ref, first_line
from minicrm.db.store import Store

if TYPE_CHECKING:  # the page lists the contact's deals (read only when it has any)
    pass


def _reach(store: Store, contact_ids: Iterable[int]) -> dict[int, Reach]:
    """Best email and phone (the first of each) and the last interaction, per contact, from
    one query (three queries, one each, are slower: docs/performance.md)."""
    result = {}
    for row in queries.reach_rows(store, list(contact_ids)):
        last = (
            LastInteraction(
                row["last_id"], row["last_kind"], row["last_at"], first_line(row["last_body"])
            )
            if row["last_id"] is not None
            else None
        )
        result[row["id"]] = Reach(email=row["email"], phone=row["phone"], last_interaction=last)
    return result


def reach_of(store: Store, contact_ids: Iterable[int]) -> dict[int, Reach]:
    """How to reach each contact (first email and phone, latest interaction), by id, in
    one query: what `next` shows beside its items."""
    return _reach(store, contact_ids)


OverdueState = tuple[int, str | None, int | None]


def overdue_state(due_date: str, due_time: str | None, now: datetime) -> OverdueState:
    """(days since the due day, overdue since, minutes overdue) as of ``now`` (aware, local).

    A timed follow-up is overdue from its time on; an all-day one from the midnight after
    its day. ``overdue since`` is that local wall-clock time (``YYYY-MM-DDTHH:MM``), and it
    and the minutes are None while the follow-up is not overdue. The one definition of
    "overdue" (due, agenda, the digest, the contact page)."""
    return _overdue_reader(now)(due_date, due_time)


def overdue_reader(now: datetime) -> Callable[[str, str | None], OverdueState]:
    """:func:`overdue_state` for many follow-ups as of one ``now`` (`next` ranks 4,400)."""
    return _overdue_reader(now)


def _overdue_reader(now: datetime) -> Callable[[str, str | None], OverdueState]:
    """:func:`overdue_state` for many follow-ups as of one ``now`` (its parts worked out
    once, and each due day and time once)."""
    zone = now.tzinfo
    today = now.date()
    wall_now = now.replace(tzinfo=None)
    offset_now = now.utcoffset()
    assert offset_now is not None
    utc_now = wall_now - offset_now
    known: dict[tuple[str, str | None], OverdueState] = {}

    def state(due_date: str, due_time: str | None) -> OverdueState:
        key = (due_date, due_time)
        result = known.get(key)
        if result is not None:
            return result
        day = date.fromisoformat(due_date)
        days = (today - day).days
        if due_time is None:
            since = datetime.combine(day + timedelta(days=1), time(0))
        else:
            since = datetime.combine(day, time.fromisoformat(due_time))
        if since > wall_now:
            result = (days, None, None)
        else:
            # Real minutes, across a daylight-saving change too: both ends in UTC
            # (subtracting two datetimes of one zone counts wall-clock minutes). fold=0
            # puts a repeated hour at its first occurrence, a skipped one where the clock
            # jumped.
            offset = since.replace(tzinfo=zone).utcoffset()
            assert offset is not None
            minutes = int((utc_now - (since - offset)).total_seconds() // 60)
            result = (days, f"{since.date().isoformat()}T{since:%H:%M}", max(minutes, 0))
        known[key] = result
        return result

    return state


def _open_due_by(store: Store, last_day: date, now: datetime) -> list[DueItem]:
    """Open follow-ups due on or before ``last_day``, each with its contact's reach, from
    one query: the overdue ones first (most overdue first), then in due order."""
    return list(_iter_open_due_by(store, last_day, now))


def _iter_open_due_by(store: Store, last_day: date, now: datetime) -> Iterator[DueItem]:
    """:func:`_open_due_by` as the rows are read: the query comes out day by day (an index
    gives the days in order), so the first of 4,400 items are there in milliseconds. Each
    day's items are ordered as they come: the overdue ones by how long they have been
    overdue, then the rest in the query's order (priority, then id). Only days up to
    today hold overdue items and only days from today hold the rest, so ordering day by
    day gives the order of the whole list."""
    overdue = _overdue_reader(now)
    rows = queries.followup_rows(store, due_before=last_day.isoformat(), reach=True, stream=True)
    day: list[DueItem] = []
    for row in rows:
        followup = followups.from_row(row)
        last = (
            LastInteraction(
                row["reach_last_id"],
                row["reach_last_kind"],
                row["reach_last_at"],
                first_line(row["reach_last_body"]),
            )
            if row["reach_last_id"] is not None
            else None
        )
        if day and day[0].followup.due_date != followup.due_date:
            yield from _in_overdue_order(day)
            day = []
        days, since, minutes = overdue(followup.due_date, followup.due_time)
        day.append(
            DueItem(
                followup=followup,
                days_overdue=days,
                reach=Reach(row["reach_email"], row["reach_phone"], last),
                overdue_since=since,
                minutes_overdue=minutes,
            )
        )
    yield from _in_overdue_order(day)


def _in_overdue_order(items: list[DueItem]) -> list[DueItem]:
    # stable: equal times keep the query's order (priority, then id)
    return sorted(items, key=lambda i: (0, i.overdue_since) if i.overdue_since else (1, ""))


def due(store: Store, *, on: When | None = None) -> list[DueItem]:
    """Open follow-ups that are overdue or due today, most overdue first."""
    now = dates.local_now(on)
    with store.snapshot():
        return _open_due_by(store, now.date(), now)


def iter_due(store: Store, *, on: When | None = None) -> Iterator[DueItem]:
    """:func:`due` as it is read: a terminal's first screen does not wait for the rest."""
    now = dates.local_now(on)
    return _iter_open_due_by(store, now.date(), now)


def agenda(store: Store, *, days: int = 7, on: When | None = None) -> list[DueItem]:
    """Open follow-ups due today or in the next ``days`` days (:func:`dates.window_end`),
    overdue first."""
    now = dates.local_now(on)
    last_day = dates.window_end(now.date(), days)
    with store.snapshot():
        return _open_due_by(store, last_day, now)


def stale(store: Store, *, on: When | None = None) -> list[StaleItem]:
    """Contacts past their keep-in-touch cadence (their own, else their tags' shortest),
    most days over first. The clock runs from the last interaction, else from when the
    contact was added."""
    with store.snapshot():
        return list(iter_stale(store, on=on))


def iter_stale(store: Store, *, on: When | None = None) -> Iterator[StaleItem]:
    """:func:`stale` as it is read: SQLite ranks the candidates by a rough day (the UTC
    day of the clock's start plus the cadence) and drops those that cannot be stale; the
    exact order (local day, then name, then id) is restored a few days behind the cursor,
    so a terminal's first screen waits for neither every candidate's local day nor the
    emails, phones and last interactions of 13,000 stale contacts (100k database). The
    same items in the same order as :func:`_stale_found` (tests/test_stale_order.py)."""
    today = dates.today(on)
    return _stale_items(store, today, _stale_streamed(store, today))


_EPOCH = date(1970, 1, 1).toordinal()


def _stale_streamed(store: Store, today: date) -> Iterator[tuple]:
    """:func:`_stale_found`'s tuples in its order, from :func:`queries.stale_ranked`: a row
    is yielded once the cursor's rough day is more than the slack past its exact one (no
    later row can come before it)."""
    zone = dates.local_zone()
    slack = queries.STALE_SLACK_DAYS
    today_day = today.toordinal() - _EPOCH
    waiting: list[tuple] = []  # a heap of (-days over, name, id, since, row); ids are unique
    for row in queries.stale_ranked(store, today_day + slack):
        rough = row["rough"]
        if rough is not None:
            while waiting and waiting[0][0] < rough - slack - today_day:
                yield heapq.heappop(waiting)
        cadence_days = row["cadence_days"]
        if cadence_days is None:
            cadence_days = row["tag_days"]
        since = dates.local_date(row["last_contacted_at"] or row["created_at"], zone)
        days_over = (today - since).days - cadence_days
        if days_over > 0:  # most days over first, then by name, then by id
            entry = (-days_over, row["display_name"].casefold(), row["id"], since, row)
            heapq.heappush(waiting, entry)
    while waiting:
        yield heapq.heappop(waiting)


def stale_first(
    store: Store, *, on: When | None = None, limit: int | None = None
) -> tuple[list[StaleItem], int]:
    """The first ``limit`` items of :func:`stale` (all of them without a limit), with their
    reach, and how many there are in all: the digest shows 20 of 13,206 and reads the
    email, phone and latest interaction of those 20 only."""
    today = dates.today(on)
    with store.snapshot():
        found = _stale_found(store, today)
        shown = found if limit is None else found[:limit]
        return list(_stale_items(store, today, shown)), len(found)


def _stale_found(store: Store, today: date) -> list:
    """Who is stale, most days over first, then by name, then by id: plain tuples."""
    zone = dates.local_zone()
    found = []
    with store.snapshot():
        for row in queries.cadence_candidates(store):
            cadence_days = row["cadence_days"]
            if cadence_days is None:
                cadence_days = row["tag_days"]
            since = dates.local_date(row["last_contacted_at"] or row["created_at"], zone)
            days_over = (today - since).days - cadence_days
            if days_over > 0:  # most days over first, then by name, then by id
                found.append((-days_over, row["display_name"].casefold(), row["id"], since, row))
        found.sort(key=lambda entry: entry[:3])
    return found


def _stale_items(store: Store, today: date, found: Iterable[tuple]) -> Iterator[StaleItem]:
    rest = iter(found)
    size = 200  # the first chunk is what a terminal table samples its widths from
    while chunk := list(itertools.islice(rest, size)):
        reach = _reach(store, (entry[2] for entry in chunk))
        for minus_over, _, contact_id, since, row in chunk:
            own = row["cadence_days"] is not None
            cadence_days = row["cadence_days"] if own else row["tag_days"]
            yield StaleItem(
                contact=Ref(contact_id, row["uid"], row["display_name"]),
                cadence_days=cadence_days,
                cadence_source="contact" if own else f"tag:{row['tag']}",
                last_contacted_at=row["last_contacted_at"],
                since=since.isoformat(),
                days_since=cadence_days - minus_over,
                days_over=-minus_over,
                reach=reach[contact_id],
            )
        size = 2_000


def _next_yearly(value: str, today: date) -> tuple[date, int | None]:
    """The coming occurrence (on or after today) of a yearly date, and the years it marks."""
    year = int(value[:4]) if not value.startswith("--") else None
    month, day = int(value[-5:-3]), int(value[-2:])
    for candidate_year in (
        today.year,
        today.year + 1,
        today.year + 2,
        today.year + 3,
        today.year + 4,
    ):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:  # 29 February in a common year: celebrated on the 28th
            candidate = date(candidate_year, 2, 28)
        if candidate >= today:
            return candidate, (candidate.year - year) if year is not None else None
    raise AssertionError("unreachable: a yearly date recurs within 4 years")


def birthdays(store: Store, *, days: int = 30, on: When | None = None) -> list[DateItem]:
    """Birthdays and important dates today or in the next ``days`` days
    (:func:`dates.window_end`)."""
    today = dates.today(on)
    dates.window_end(today, days)
    # only the dates that can fall in the window are read: its days as MM-DD, and 29
    # February, which is kept on the 28th in a common year
    window = {(today + timedelta(days=n)).strftime("%m-%d") for n in range(days + 1)}
    if "02-28" in window:
        window.add("02-29")
    result = []
    with store.snapshot():
        for row in queries.dated_contacts(store, window if len(window) < 366 else None):
            next_date, years = _next_yearly(row["value"], today)
            days_until = (next_date - today).days
            if days_until <= days:
                result.append(
                    DateItem(
                        contact=Ref(row["id"], row["uid"], row["display_name"]),
                        label=row["label"],
                        value=row["value"],
                        next_date=next_date.isoformat(),
                        days_until=days_until,
                        years=years,
                    )
                )
    result.sort(key=lambda item: (item.days_until, item.contact.name.casefold(), item.label))
    return result
