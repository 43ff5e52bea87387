"""The daily views: what is due, the agenda, who is overdue for contact, birthdays, and a
contact's page. Read-only; everything is computed as of a local day (``--on``)."""

from __future__ import annotations

from collections.abc import Iterable
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
from minicrm.store import activity
from minicrm.store.db import Store


def _reach(store: Store, contact_ids: Iterable[int]) -> dict[int, Reach]:
    """Best email and phone (the first of each) and the last interaction, per contact, from
    one query (three, each over the ids, took twice as long for `stale`'s 13,206)."""
    result = {}
    for row in activity.reach_rows(store, list(contact_ids)):
        last = (
            LastInteraction(
                row["last_id"], row["last_kind"], row["last_at"], first_line(row["last_body"])
            )
            if row["last_id"] is not None
            else None
        )
        result[row["id"]] = Reach(email=row["email"], phone=row["phone"], last_interaction=last)
    return result


def _open_due_by(store: Store, last_day: date, today: date) -> list[DueItem]:
    """Open follow-ups due on or before ``last_day``, each with its contact's reach, from
    one query."""
    items = []
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
        items.append(
            DueItem(
                followup=followup,
                days_overdue=(today - date.fromisoformat(followup.due_date)).days,
                reach=Reach(row["reach_email"], row["reach_phone"], last),
            )
        )
    return items


def due(store: Store, *, on: When | None = None) -> list[DueItem]:
    """Open follow-ups that are overdue or due today, most overdue first."""
    today = dates.today(on)
    with store.snapshot():
        return _open_due_by(store, today, today)


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
        return with_reach(store, stale_ranked(store, on=on))


def stale_ranked(store: Store, *, on: When | None = None) -> list[StaleItem]:
    """:func:`stale` without each contact's reach (email, phone, last interaction), which
    costs a lookup per contact: a caller that shows only the first few adds it to those
    with :func:`with_reach`."""
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
    return result


def with_reach(store: Store, items: list[StaleItem]) -> list[StaleItem]:
    """The items with each contact's reach filled in."""
    reach = _reach(store, (item.contact.id for item in items))
    for item in items:  # fresh items (stale_ranked's): filled in place, not copied
        item.reach = reach.get(item.contact.id, Reach())
    return items


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
    # only the dates that can fall in the window are read: its days as MM-DD, and 29
    # February, which is kept on the 28th in a common year
    window = {(today + timedelta(days=n)).strftime("%m-%d") for n in range(days)}
    if "02-28" in window:
        window.add("02-29")
    result = []
    with store.snapshot():
        for row in activity.dated_contacts(store, window if len(window) < 366 else None):
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
        return ContactPage(
            contact=contact,
            open_followups=tuple(open_items),
            interactions=tuple(recent),
            next_due=open_items[0] if open_items else None,
            deals=_deals_of(store, contact_id),
        )


def _deals_of(store: Store, contact_id: int) -> tuple:
    """The contact's deals; the deals module (with the config file, money and their
    patterns: ~5 ms of start-up) is loaded only for a contact that has any."""
    from minicrm.store import deals as deal_queries

    if not deal_queries.deal_rows(store, contact_id=contact_id):
        return ()
    from minicrm import deals

    return tuple(deals.deals_of_contact(store, contact_id))
