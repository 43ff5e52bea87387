"""The daily views: what is due, the agenda, who is overdue for contact, birthdays, and a
contact's page. Read-only; everything is computed as of a local day (``--on``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

from minicrm import contacts, dates, followups, interactions, refs
from minicrm.dates import When
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


OverdueState = tuple[int, str | None, int | None]


def overdue_state(due_date: str, due_time: str | None, now: datetime) -> OverdueState:
    """(days since the due day, overdue since, minutes overdue) as of ``now`` (aware, local).

    A timed follow-up is overdue from its time on; an all-day one from the midnight after
    its day. ``overdue since`` is that local wall-clock time (``YYYY-MM-DDTHH:MM``), and it
    and the minutes are None while the follow-up is not overdue. The one definition of
    "overdue" (due, agenda, the digest, the contact page)."""
    return _overdue_reader(now)(due_date, due_time)


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
    items = []
    overdue = _overdue_reader(now)
    for row in activity.followup_rows(store, due_before=last_day.isoformat(), reach=True):
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
        days, since, minutes = overdue(followup.due_date, followup.due_time)
        items.append(
            DueItem(
                followup=followup,
                days_overdue=days,
                reach=Reach(row["reach_email"], row["reach_phone"], last),
                overdue_since=since,
                minutes_overdue=minutes,
            )
        )
    # stable: equal times keep the query's order (priority, then id)
    items.sort(key=lambda i: (0, i.overdue_since) if i.overdue_since else (1, ""))
    return items


def due(store: Store, *, on: When | None = None) -> list[DueItem]:
    """Open follow-ups that are overdue or due today, most overdue first."""
    now = dates.local_now(on)
    with store.snapshot():
        return _open_due_by(store, now.date(), now)


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
    today = dates.today(on)
    zone = dates.local_zone()
    result = []
    with store.snapshot():
        for row in activity.cadence_candidates(store):
            if row["cadence_days"] is not None:
                cadence, source = row["cadence_days"], "contact"
            else:
                cadence, source = row["tag_days"], f"tag:{row['tag']}"
            since = dates.local_date(row["last_contacted_at"] or row["created_at"], zone)
            days_since = (today - since).days
            if days_since > cadence:
                result.append(
                    StaleItem(
                        contact=ContactBrief(row["id"], row["uid"], row["display_name"]),
                        cadence_days=cadence,
                        cadence_source=source,
                        last_contacted_at=row["last_contacted_at"],
                        since=since.isoformat(),
                        days_since=days_since,
                        days_over=days_since - cadence,
                    )
                )
        result.sort(key=lambda item: (-item.days_over, item.contact.name.casefold()))
        reach = _reach(store, (item.contact.id for item in result))
    return [_with_reach(item, reach[item.contact.id]) for item in result]


def _with_reach(item: StaleItem, reach: Reach) -> StaleItem:
    from dataclasses import replace

    return replace(item, reach=reach)


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
    result = []
    with store.snapshot():
        for row in activity.dated_contacts(store):
            next_date, years = _next_yearly(row["value"], today)
            days_until = (next_date - today).days
            if days_until <= days:
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
