"""Rendering of follow-ups, interactions and the daily views. Builds rows and cards and
hands them to :mod:`minicrm.render` (the only module that talks to Rich)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from minicrm import dates
from minicrm.models import (
    ContactPage,
    DateItem,
    DueItem,
    FollowUp,
    Interaction,
    StaleItem,
)
from minicrm.render import (
    contact_card_lines,
    line,
    nothing,
    print_card,
    print_table,
    write_delimited,
    write_json,
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _when(f: FollowUp) -> str:
    day = date.fromisoformat(f.due_date)
    text = f"{WEEKDAYS[day.weekday()]} {f.due_date}"
    return f"{text} {f.due_time}" if f.due_time else text


def _overdue(item: DueItem) -> str:
    timed = item.followup.due_time is not None
    return dates.humanize_overdue(item.days_overdue, item.minutes_overdue, timed)


def _page_overdue(f: FollowUp, now: datetime) -> str:
    from minicrm.views import overdue_state

    days, _, minutes = overdue_state(f.due_date, f.due_time, now)
    return dates.humanize_overdue(days, minutes, f.due_time is not None)


def _title(f: FollowUp) -> str:
    marks = []
    if f.priority == "high":
        marks.append("!")
    if f.recurrence:
        marks.append(f"({f.recurrence.text})")
    return " ".join([f.title, *marks])


def _local(stamp: str | None) -> str:
    if not stamp:
        return ""
    return dates.local_datetime(stamp).strftime("%Y-%m-%d %H:%M")


# -- follow-ups -------------------------------------------------------------------------

FOLLOWUP_COLUMNS = ("id", "due", "title", "contact", "priority", "status")


def print_followups(items: Sequence[FollowUp], fmt: str, *, raw: bool = False) -> None:
    if fmt == "json":
        write_json([f.to_dict() for f in items])
    elif fmt in ("csv", "tsv"):
        write_delimited(
            (
                "id",
                "uid",
                "due",
                "title",
                "contact_id",
                "contact",
                "priority",
                "status",
                "recurrence",
                "notes",
            ),
            (
                [
                    f.id,
                    f.uid,
                    f.due,
                    f.title,
                    f.contact.id if f.contact else "",
                    f.contact.name if f.contact else "",
                    f.priority,
                    f.status,
                    f.recurrence.text if f.recurrence else "",
                    f.notes,
                ]
                for f in items
            ),
            tsv=fmt == "tsv",
            raw=raw,
        )
    elif not items:
        nothing("No follow-ups match.")
    else:
        print_table(
            FOLLOWUP_COLUMNS,
            [
                [
                    f.id,
                    _when(f),
                    _title(f),
                    f.contact.name if f.contact else "",
                    f.priority,
                    f.status,
                ]
                for f in items
            ],
        )


def followup_card(f: FollowUp) -> list[tuple[str, str]]:
    pairs = [("ID", f"#{f.id}"), ("Title", f.title), ("Due", _when(f))]
    if f.contact:
        pairs.append(("Contact", f"#{f.contact.id} {f.contact.name}"))
    pairs += [("Priority", f.priority), ("Status", f.status)]
    if f.recurrence:
        rec = f.recurrence
        text = rec.text + (" from completion" if rec.scheduled_from == "done" else "")
        if rec.until:
            text += f", until {rec.until}"
        if rec.count:
            text += f", {rec.count} times (this is #{f.occurrence})"
        pairs.append(("Repeats", text))
    if f.snoozed_from:
        pairs.append(("Snoozed from", f.snoozed_from))
    if f.notes:
        pairs.append(("Notes", f.notes))
    if f.completed_at:
        pairs.append(("Done", _local(f.completed_at)))
    if f.cancelled_at:
        pairs.append(("Cancelled", _local(f.cancelled_at)))
    return pairs


def print_followup(f: FollowUp, fmt: str) -> None:
    if fmt == "json":
        write_json(f.to_dict())
    else:
        print_card(f"Follow-up #{f.id}", followup_card(f))


def followup_line(verb: str, f: FollowUp) -> None:
    who = f" for {f.contact.name}" if f.contact else ""
    line(f"{verb} #{f.id} {f.title}{who}, due {_when(f)}")


# -- interactions -----------------------------------------------------------------------


def print_interactions(items: Sequence[Interaction], fmt: str, *, raw: bool = False) -> None:
    if fmt == "json":
        write_json([i.to_dict() for i in items])
    elif fmt in ("csv", "tsv"):
        write_delimited(
            ("id", "uid", "occurred_at", "kind", "contacts", "body"),
            (
                [i.id, i.uid, i.occurred_at, i.kind, "; ".join(c.name for c in i.contacts), i.body]
                for i in items
            ),
            tsv=fmt == "tsv",
            raw=raw,
        )
    elif not items:
        nothing("No interactions yet.")
    else:
        print_table(
            ("id", "when", "kind", "with", "text"),
            [
                [
                    i.id,
                    _local(i.occurred_at),
                    i.kind,
                    ", ".join(c.name for c in i.contacts),
                    i.summary,
                ]
                for i in items
            ],
        )


def print_interaction(i: Interaction, fmt: str) -> None:
    if fmt == "json":
        write_json(i.to_dict())
        return
    pairs = [
        ("ID", f"#{i.id}"),
        ("When", _local(i.occurred_at)),
        ("Kind", i.kind),
        ("With", ", ".join(f"#{c.id} {c.name}" for c in i.contacts)),
        ("Text", i.body),
    ]
    if i.followup_id:
        pairs.append(("Follow-up", f"#{i.followup_id}"))
    print_card(f"Interaction #{i.id}", pairs)


# -- views ------------------------------------------------------------------------------


def _reach_text(item: DueItem | StaleItem) -> tuple[str, str]:
    reach = item.reach
    contact_way = " / ".join(v for v in (reach.phone, reach.email) if v)
    last = reach.last_interaction
    last_text = (
        f"{dates.local_date(last.occurred_at).isoformat()} {last.kind}: {last.summary}"
        if last
        else ""
    )
    return contact_way, last_text


def _due_row(item: DueItem) -> list[object]:
    f = item.followup
    reach, last = _reach_text(item)
    return [
        f.id,
        _when(f),
        _overdue(item),
        _title(f),
        f.contact.name if f.contact else "",
        reach,
        last,
    ]


DUE_COLUMNS = ("id", "due", "", "title", "contact", "reach", "last interaction")


def print_due(items: Sequence[DueItem], fmt: str, *, empty: str = "Nothing due.") -> None:
    if fmt == "json":
        write_json([i.to_dict() for i in items])
    elif not items:
        nothing(empty)
    else:
        print_table(DUE_COLUMNS, [_due_row(i) for i in items])


def print_agenda(items: Sequence[DueItem], fmt: str, today: date) -> None:
    if fmt == "json" or not items:
        print_due(items, fmt, empty="Nothing on the agenda.")
        return
    overdue = [i for i in items if i.overdue]
    if overdue:
        print_table(DUE_COLUMNS, [_due_row(i) for i in overdue], title="Overdue")
    days: dict[str, list[DueItem]] = {}
    for item in items:
        if not item.overdue:
            days.setdefault(item.followup.due_date, []).append(item)
    for day, group in days.items():
        parsed = date.fromisoformat(day)
        heading = (
            f"{WEEKDAYS[parsed.weekday()]} {day} ({dates.humanize_days((parsed - today).days)})"
        )
        print_table(
            ("id", "time", "title", "contact", "reach", "last interaction"),
            [
                [
                    i.followup.id,
                    i.followup.due_time or "all day",
                    _title(i.followup),
                    i.followup.contact.name if i.followup.contact else "",
                    *_reach_text(i),
                ]
                for i in group
            ],
            title=heading,
        )


def print_stale(items: Sequence[StaleItem], fmt: str) -> None:
    if fmt == "json":
        write_json([i.to_dict() for i in items])
    elif not items:
        nothing("Everyone is within their keep-in-touch cadence.")
    else:
        rows = []
        for item in items:
            reach, last = _reach_text(item)
            cadence = f"{item.cadence_days}d" + (
                f" ({item.cadence_source})" if item.cadence_source != "contact" else ""
            )
            rows.append(
                [
                    item.contact.id,
                    item.contact.name,
                    cadence,
                    f"{item.days_over} day{'s' if item.days_over != 1 else ''} over",
                    item.since,
                    reach,
                    last,
                ]
            )
        print_table(("id", "contact", "every", "over", "since", "reach", "last interaction"), rows)


def print_birthdays(items: Sequence[DateItem], fmt: str) -> None:
    if fmt == "json":
        write_json([i.to_dict() for i in items])
    elif not items:
        nothing("No birthdays or important dates coming up.")
    else:
        rows = []
        for item in items:
            parsed = date.fromisoformat(item.next_date)
            rows.append(
                [
                    item.contact.id,
                    item.contact.name,
                    item.label,
                    f"{WEEKDAYS[parsed.weekday()]} {item.next_date}",
                    dates.humanize_days(item.days_until),
                    ""
                    if item.years is None
                    else (
                        f"turns {item.years}" if item.label == "birthday" else f"{item.years} years"
                    ),
                ]
            )
        print_table(("id", "contact", "what", "date", "when", ""), rows)


def print_contact_page(page: ContactPage, fmt: str, now: datetime) -> None:
    """The contact's page as of ``now`` (aware, local: what is overdue)."""
    if fmt == "json":
        write_json(page.to_dict())
        return
    c = page.contact
    pairs = contact_card_lines(c)
    extra = [("Last contacted", _local(c.last_contacted_at) or "never")]
    if page.next_due:
        label = _page_overdue(page.next_due, now)
        extra.append(("Next due", f"{_when(page.next_due)} ({label}): {page.next_due.title}"))
    print_card(c.name, pairs[:-2] + extra + pairs[-2:])
    if page.open_followups:
        print_table(
            ("id", "due", "", "title"),
            [[f.id, _when(f), _page_overdue(f, now), _title(f)] for f in page.open_followups],
            title="Open follow-ups",
        )
    if page.interactions:
        print_table(
            ("id", "when", "kind", "text"),
            [[i.id, _local(i.occurred_at), i.kind, i.summary] for i in page.interactions],
            title="Latest interactions",
        )
    if page.deals:
        from minicrm.render_deals import print_contact_deals

        print_contact_deals(page.deals)


# -- search -----------------------------------------------------------------------------


def print_search(results: Sequence, fmt: str) -> None:  # Sequence[search.Result]
    if fmt == "json":
        write_json([r.to_dict() for r in results])
        return
    if not results:
        nothing("Nothing matches.")
        return
    from minicrm.render import print_search_results

    print_search_results(results)
