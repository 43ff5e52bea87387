"""Rendering of follow-ups, interactions and the daily views. Builds rows and cards and
hands them to :mod:`minicrm.ui.render`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import chain

from minicrm.activity.models import DateItem, DueItem, FollowUp, Interaction, StaleItem
from minicrm.core import dates
from minicrm.ui.machine import write_delimited, write_json
from minicrm.ui.render import line, local_time, nothing, print_card, print_table
from minicrm.ui.screen import Brief, Column, Styled, styled_row

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def followup_due(f: FollowUp) -> str:
    """A follow-up's due day (and time) for people (:func:`due_text`)."""
    return due_text(f.due_date, f.due_time)


def due_text(day_text: str, time_text: str | None = None) -> str:
    """A follow-up's day (and time) for people: ``Mon 2026-12-07 09:00``."""
    day = date.fromisoformat(day_text)
    text = f"{WEEKDAYS[day.weekday()]} {day_text}"
    return f"{text} {time_text}" if time_text else text


def _urgency(overdue: bool, days_overdue: int) -> str | None:
    """The colour of a follow-up's due cells: red overdue (a timed one from its time on),
    yellow due today and not late yet."""
    if overdue or days_overdue > 0:
        return "red"
    return "yellow" if days_overdue == 0 else None


def _due_cells(f: FollowUp, label: str, overdue: bool, days_overdue: int) -> tuple[object, object]:
    """The ``due`` and ``when`` cells, coloured by urgency."""
    style = _urgency(overdue, days_overdue)
    when = followup_due(f)
    return (Styled(when, style), Styled(label, style)) if style else (when, label)


def _overdue(item: DueItem) -> str:
    timed = item.followup.due_time is not None
    return dates.humanize_overdue(item.days_overdue, item.minutes_overdue, timed)


def _page_state(f: FollowUp, now: datetime) -> tuple[str, bool, int]:
    """(how overdue, in words; overdue or not; days since the due day) as of ``now``."""
    from minicrm.activity.views import overdue_state  # lazy: start-up

    days, since, minutes = overdue_state(f.due_date, f.due_time, now)
    return dates.humanize_overdue(days, minutes, f.due_time is not None), since is not None, days


def overdue_label(f: FollowUp, now: datetime) -> str:
    """How overdue the follow-up is as of ``now``, in words (a contact's page)."""
    return _page_state(f, now)[0]


def page_due_cells(f: FollowUp, now: datetime) -> tuple[object, object]:
    """The coloured ``due`` and ``when`` cells as of ``now`` (a contact's page)."""
    return _due_cells(f, *_page_state(f, now))


def followup_title(f: FollowUp) -> str:
    """The title with its marks: ``!`` for high priority, the recurrence in brackets."""
    marks = []
    if f.priority == "high":
        marks.append("!")
    if f.recurrence:
        marks.append(f"({f.recurrence.text})")
    return " ".join([f.title, *marks])


def local_or_blank(stamp: str | None) -> str:
    """A stored UTC stamp in local time, or nothing for none."""
    return local_time(stamp) if stamp else ""


# How each column behaves on a narrow terminal (render_screen.Column): ids, dates, emails
# and amounts whole; the higher `drop`, the sooner a column gives way.
ID = Column("id", whole=True)
DUE = Column("due", whole=True)
DUE_DATE = Column("due", whole=True, drop=2)  # where "when" says how far off, the date may go
WHEN_DUE = Column("when", whole=True)
TITLE = Column("title", least=16)
CONTACT = Column("contact", drop=1, least=14)
REACH = Column("reach", whole=True, drop=3)
LAST = Column("last interaction", drop=4, least=16)


# -- follow-ups -------------------------------------------------------------------------

FOLLOWUP_COLUMNS = (
    ID,
    DUE,
    TITLE,
    CONTACT,
    Column("priority", whole=True, drop=3),
    Column("status", whole=True, drop=2),
)


def followup_row(f: FollowUp, now: datetime) -> list[object]:
    """A follow-up as a row of FOLLOWUP_COLUMNS (also the deal and company pages)."""
    when: object = followup_due(f)
    if f.status == "open":
        _, overdue, days = _page_state(f, now)
        style = _urgency(overdue, days)
        when = Styled(when, style) if style else when
    row = [f.id, when, followup_title(f), f.contact.name if f.contact else "", f.priority, f.status]
    return styled_row(row, "dim") if f.status != "open" else row  # done or cancelled


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
        now = dates.local_now()
        print_table(FOLLOWUP_COLUMNS, (followup_row(f, now) for f in items))


def followup_card(f: FollowUp) -> list[tuple[str, str]]:
    pairs = [("ID", f"#{f.id}"), ("Title", f.title), ("Due", followup_due(f))]
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
        day, _, hour = f.snoozed_from.partition("T")
        pairs.append(("Snoozed from", due_text(day, hour[:5] or None)))
    if f.notes:
        pairs.append(("Notes", f.notes))
    if f.completed_at:
        pairs.append(("Done", local_or_blank(f.completed_at)))
    if f.cancelled_at:
        pairs.append(("Cancelled", local_or_blank(f.cancelled_at)))
    return pairs


def print_followup(f: FollowUp, fmt: str) -> None:
    if fmt == "json":
        write_json(f.to_dict())
    else:
        print_card(f"Follow-up #{f.id}", followup_card(f))


def followup_line(verb: str, f: FollowUp) -> None:
    who = f" for {f.contact.name}" if f.contact else ""
    line(f"{verb} #{f.id} {f.title}{who}, due {followup_due(f)}")


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
        print_interaction_table(items)


INTERACTION_COLUMNS = (
    ID,
    Column("when", whole=True),
    Column("kind", whole=True, drop=2),
    Column("with", drop=1, least=10),
    Column("text", least=16),
)


def print_interaction_table(items: Sequence[Interaction], *, title: str | None = None) -> None:
    """Interactions as a table (``interaction ls``, a deal's page)."""
    print_table(
        INTERACTION_COLUMNS,
        [
            [
                i.id,
                local_or_blank(i.occurred_at),
                i.kind,
                ", ".join(c.name for c in i.contacts),
                i.summary,
            ]
            for i in items
        ],
        title=title,
    )


def print_interaction(i: Interaction, fmt: str) -> None:
    if fmt == "json":
        write_json(i.to_dict())
        return
    pairs = [
        ("ID", f"#{i.id}"),
        ("When", local_or_blank(i.occurred_at)),
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
    ways = [v for v in (reach.phone, reach.email) if v]
    contact_way = Brief(" / ".join(ways), ways[0]) if len(ways) > 1 else "".join(ways)
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
        *_due_cells(f, _overdue(item), item.overdue, item.days_overdue),
        followup_title(f),
        f.contact.name if f.contact else "",
        reach,
        last,
    ]


DUE_COLUMNS = (ID, DUE_DATE, WHEN_DUE, TITLE, CONTACT, REACH, LAST)


def print_due(items: Iterable[DueItem], fmt: str, *, empty: str = "Nothing due.") -> None:
    """Due items; ``items`` may be an iterator (drawn as it comes)."""
    if fmt == "json":
        write_json([i.to_dict() for i in items])
        return
    rest = iter(items)
    first = next(rest, None)
    if first is None:
        nothing(empty)
    else:
        print_table(DUE_COLUMNS, (_due_row(i) for i in chain((first,), rest)))


def print_agenda(items: Sequence[DueItem], fmt: str, today: date) -> None:
    if fmt == "json" or not items:
        print_due(items, fmt, empty="Nothing on the agenda.")
        return
    overdue = [i for i in items if i.overdue]
    if overdue:
        print_table(DUE_COLUMNS, (_due_row(i) for i in overdue), title="Overdue")
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
            (ID, Column("time", whole=True), TITLE, CONTACT, REACH, LAST),
            [
                [
                    i.followup.id,
                    Styled(i.followup.due_time or "all day", "yellow")
                    if i.days_overdue == 0
                    else i.followup.due_time or "all day",
                    followup_title(i.followup),
                    i.followup.contact.name if i.followup.contact else "",
                    *_reach_text(i),
                ]
                for i in group
            ],
            title=heading,
        )


def _stale_row(item: StaleItem) -> list[object]:
    reach, last = _reach_text(item)
    cadence: object = f"{item.cadence_days}d"
    if item.cadence_source != "contact":
        cadence = Brief(f"{cadence} ({item.cadence_source})", str(cadence))
    return [
        item.contact.id,
        item.contact.name,
        cadence,
        f"{item.days_over} day{'s' if item.days_over != 1 else ''} over",
        item.since,
        reach,
        last,
    ]


def print_stale(items: Iterable[StaleItem], fmt: str) -> None:
    """Stale contacts; ``items`` may be an iterator (drawn as it comes)."""
    if fmt == "json":
        write_json([i.to_dict() for i in items])
        return
    rest = iter(items)
    first = next(rest, None)
    if first is None:
        nothing("Everyone is within their keep-in-touch cadence.")
    else:
        rows = (_stale_row(item) for item in chain((first,), rest))
        print_table(
            (
                ID,
                Column("contact", least=12),
                Column("every", whole=True, drop=3),
                Column("over", whole=True),
                Column("since", whole=True, drop=2),
                REACH,
                LAST,
            ),
            rows,
        )


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
        print_table(
            (
                ID,
                Column("contact", least=12),
                Column("what", drop=2, least=8),
                Column("date", whole=True),
                Column("when", whole=True, drop=1),
                Column("age", whole=True, drop=3),
            ),
            rows,
        )
