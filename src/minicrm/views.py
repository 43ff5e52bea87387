"""The daily views: what is due, the agenda, who is overdue for contact, birthdays, and a
contact's page. Read-only; everything is computed as of a local day (``--on``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from minicrm import contacts, dates, followups, interactions, refs
from minicrm.dates import When
from minicrm.errors import InvalidInput
from minicrm.models import (
    ContactBrief,
    ContactPage,
    DateItem,
    DueItem,
    LastInteraction,
    Reach,
    StaleItem,
    first_line,
)
from minicrm.store import activity, queries
from minicrm.store.db import Store


def _reach(store: Store, contact_ids: Iterable[int]) -> dict[int, Reach]:
    """Best email and phone (the first of each) and the last interaction, per contact."""
    ids = list(dict.fromkeys(contact_ids))
    emails = queries.first_values(store, "contact_emails", ids)
    phones = queries.first_values(store, "contact_phones", ids)
    last = {
        cid: LastInteraction(r["id"], r["kind"], r["occurred_at"], first_line(r["body"]))
        for cid, r in activity.last_interaction_rows(store, ids).items()
    }
    return {
        cid: Reach(email=emails.get(cid), phone=phones.get(cid), last_interaction=last.get(cid))
        for cid in ids
    }


def _open_due_by(store: Store, last_day: date, today: date) -> list[DueItem]:
    """Open follow-ups due on or before ``last_day``, each with its contact's reach, from
    one query."""
    return list(_iter_open_due_by(store, last_day, today))


def _iter_open_due_by(store: Store, last_day: date, today: date) -> Iterator[DueItem]:
    """:func:`_open_due_by` as the rows are read: the query comes out day by day (an index
    gives the days in order; only a day's rows are sorted), so the first of 4,400 items
    are there in milliseconds."""
    rows = activity.followup_rows(store, due_before=last_day.isoformat(), reach=True, stream=True)
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
        yield DueItem(
            followup=followup,
            days_overdue=(today - date.fromisoformat(followup.due_date)).days,
            reach=Reach(row["reach_email"], row["reach_phone"], last),
        )


def due(store: Store, *, on: When | None = None) -> list[DueItem]:
    """Open follow-ups that are overdue or due today, most overdue first."""
    today = dates.today(on)
    with store.snapshot():
        return _open_due_by(store, today, today)


def iter_due(store: Store, *, on: When | None = None) -> Iterator[DueItem]:
    """:func:`due` as it is read: a terminal's first screen does not wait for the rest."""
    today = dates.today(on)
    return _iter_open_due_by(store, today, today)


def agenda(store: Store, *, days: int = 7, on: When | None = None) -> list[DueItem]:
    """Open follow-ups due up to ``days`` days from today (today included), overdue first."""
    if not 1 <= days <= 3_660:
        raise InvalidInput(f"--days {days} is out of range", hint="1 to 3660")
    today = dates.today(on)
    with store.snapshot():
        return _open_due_by(store, today + timedelta(days=days - 1), today)


def stale(store: Store, *, on: When | None = None) -> list[StaleItem]:
    """Contacts past their keep-in-touch cadence (their own, else their tags' shortest),
    most days over first. The clock runs from the last interaction, else from when the
    contact was added."""
    with store.snapshot():
        return list(iter_stale(store, on=on))


def iter_stale(store: Store, *, on: When | None = None) -> Iterator[StaleItem]:
    """:func:`stale` as it is read: who is stale, in order, is found at once (from plain
    tuples); the items and how to reach them are made a screenful at a time, so a
    terminal's first screen does not wait for the emails, phones and last interactions of
    13,000 stale contacts (100k database)."""
    today = dates.today(on)
    zone = dates.local_zone()
    found = []
    with store.snapshot():
        for row in activity.cadence_candidates(store):
            cadence = row["cadence_days"]
            if cadence is None:
                cadence = row["tag_days"]
            since = dates.local_date(row["last_contacted_at"] or row["created_at"], zone)
            days_over = (today - since).days - cadence
            if days_over > 0:  # most days over first, then by name, then by id
                found.append((-days_over, row["display_name"].casefold(), row["id"], since, row))
        found.sort(key=lambda entry: entry[:3])
    return _stale_items(store, today, found)


def _stale_items(store: Store, today: date, found: list) -> Iterator[StaleItem]:
    start, size = 0, 200  # the first chunk is what a terminal table samples its widths from
    while start < len(found):
        chunk = found[start : start + size]
        reach = _reach(store, (entry[2] for entry in chunk))
        for minus_over, _, contact_id, since, row in chunk:
            own = row["cadence_days"] is not None
            cadence = row["cadence_days"] if own else row["tag_days"]
            yield StaleItem(
                contact=ContactBrief(contact_id, row["uid"], row["display_name"]),
                cadence_days=cadence,
                cadence_source="contact" if own else f"tag:{row['tag']}",
                last_contacted_at=row["last_contacted_at"],
                since=since.isoformat(),
                days_since=cadence - minus_over,
                days_over=-minus_over,
                reach=reach[contact_id],
            )
        start, size = start + size, 2_000


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
    """Birthdays and important dates in the next ``days`` days (today included)."""
    if not 1 <= days <= 366:
        raise InvalidInput(f"--days {days} is out of range", hint="1 to 366")
    today = dates.today(on)
    result = []
    with store.snapshot():
        for row in activity.dated_contacts(store):
            next_date, years = _next_yearly(row["value"], today)
            days_until = (next_date - today).days
            if days_until < days:
                result.append(
                    DateItem(
                        contact=ContactBrief(row["id"], row["uid"], row["display_name"]),
                        label=row["label"],
                        value=row["value"],
                        next_date=next_date.isoformat(),
                        days_until=days_until,
                        years=years,
                    )
                )
    result.sort(key=lambda item: (item.days_until, item.contact.name.casefold(), item.label))
    return result


def contact_page(store: Store, ref: str, *, interactions_limit: int = 5) -> ContactPage:
    """A contact's card, open follow-ups, latest interactions, next due item and deals."""
    with store.snapshot():
        contact_id = refs.contact_id(store, ref)
        contact = contacts.get_contact(store, f"#{contact_id}")
        open_items = followups.list_followups(store, contact=f"#{contact_id}")
        recent = interactions.build(
            store, activity.interaction_rows_for_contact(store, contact_id, interactions_limit)
        )
        from minicrm import deals

        return ContactPage(
            contact=contact,
            open_followups=tuple(open_items),
            interactions=tuple(recent),
            next_due=open_items[0] if open_items else None,
            deals=tuple(deals.deals_of_contact(store, contact_id)),
        )
