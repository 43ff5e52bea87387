"""iCalendar (RFC 5545) export: follow-ups as VTODOs, birthdays and yearly dates as VEVENTs.

minicrm times are local wall-clock times, so a timed follow-up is written as a *floating*
DATE-TIME (no TZID, no Z): 09:00 stays 09:00 in whatever zone the calendar app is in. An
all-day follow-up is a DATE. Only the stamps (DTSTAMP, CREATED, LAST-MODIFIED, COMPLETED)
are UTC, as the RFC requires.

A repeating follow-up carries its rule as RRULE, with DTSTART = DUE (the rule's anchor).
Its UNTIL is a DATE (all-day) or a floating 23:59:59 (timed); its COUNT is what is left
of the series counting this occurrence. RFC 5545 forbids COUNT and UNTIL together, so
when a series has both, the one that ends it first is written.

A yearly date becomes an all-day VEVENT repeating FREQ=YEARLY. DTSTART is the date
itself when the year is known; a year-less date (``--MM-DD``) starts in 1970 (a date in
the past, so every coming year is covered). 29 February starts in 1972 (a leap year) and
repeats on the last day of February (BYMONTH=2;BYMONTHDAY=-1), as minicrm's own
``birthdays`` view does: on the 28th in common years.

icalendar is imported inside :func:`to_ics` (start-up cost).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from typing import IO, Any

from minicrm.activity.models import FollowUp
from minicrm.contacts.models import Contact

PRODID = "-//minicrm//minicrm//EN"
PRIORITIES = {"high": 1, "normal": 5, "low": 9}
STATUSES = {"open": "NEEDS-ACTION", "done": "COMPLETED", "cancelled": "CANCELLED"}
YEARLESS_YEAR = 1970
LEAP_YEAR = 1972

# control characters RFC 5545 TEXT cannot carry (newline and tab can, escaped)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> str:
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _stamp(value: str) -> datetime | None:
    """A stored UTC stamp (``2026-11-22T14:33:27Z``) as an aware UTC datetime."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _due(f: FollowUp) -> date | datetime:
    day = date.fromisoformat(f.due_date)
    if not f.due_time:
        return day
    return datetime.combine(day, time.fromisoformat(f.due_time))  # naive: floating


def _ends(f: FollowUp, due: date | datetime) -> dict[str, Any]:
    """UNTIL or COUNT for the RRULE of this occurrence, as parts for vRecur."""
    rec = f.recurrence
    assert rec is not None
    until: date | datetime | None = None
    if rec.until:
        until_day = date.fromisoformat(rec.until)
        until = (
            datetime.combine(until_day, time(23, 59, 59))
            if isinstance(due, datetime)
            else until_day
        )
    left = max(1, rec.count - f.occurrence + 1) if rec.count is not None else None
    if until is not None and left is not None:
        from dateutil import rrule

        start = due if isinstance(due, datetime) else datetime.combine(due, time())
        end = until if isinstance(until, datetime) else datetime.combine(until, time(23, 59, 59))
        rule = rrule.rrulestr(rec.rule, dtstart=start)
        before_end = itertools.takewhile(lambda moment: moment <= end, rule)
        within = sum(1 for _ in itertools.islice(before_end, left + 1))
        # UNTIL ends it first when fewer occurrences than COUNT fall before it
        return {"UNTIL": until} if within <= left else {"COUNT": left}
    if until is not None:
        return {"UNTIL": until}
    if left is not None:
        return {"COUNT": left}
    return {}


def _todo(f: FollowUp, stamp: datetime) -> Any:
    from icalendar import Todo, vRecur

    todo = Todo()
    todo.add("uid", f"{f.uid}@minicrm")
    todo.add("dtstamp", stamp)
    todo.add("summary", _text(f.title))
    lines = [f.notes] if f.notes else []
    if f.contact:
        lines.append(f"Contact: {f.contact.name}")
    if lines:
        todo.add("description", _text("\n\n".join(lines)))
    due = _due(f)
    todo.add("due", due)
    todo.add("status", STATUSES.get(f.status, "NEEDS-ACTION"))
    todo.add("priority", PRIORITIES.get(f.priority, 5))
    if f.status == "done" and (completed := _stamp(f.completed_at or "")):
        todo.add("completed", completed)
        todo.add("percent-complete", 100)
    if f.recurrence:
        todo.add("dtstart", due)  # the anchor the rule repeats from
        rule = vRecur.from_ical(f.recurrence.rule)
        for key, value in _ends(f, due).items():
            rule[key] = value
        todo.add("rrule", rule)
    if created := _stamp(f.created_at):
        todo.add("created", created)
    if modified := _stamp(f.updated_at):
        todo.add("last-modified", modified)
    todo.add("categories", ["minicrm"])
    return todo


_YEARLY = re.compile(r"(\d{4}|-)-(\d{2})-(\d{2})")


def yearly_start(value: str) -> tuple[date, bool] | None:
    """DTSTART of a yearly date (``YYYY-MM-DD`` or ``--MM-DD``), and whether it is
    29 February (which repeats on February's last day); None if it is not such a date."""
    m = _YEARLY.fullmatch(value.strip())
    if not m:
        return None
    month, day = int(m.group(2)), int(m.group(3))
    leap_day = (month, day) == (2, 29)
    year = int(m.group(1)) if m.group(1) != "-" else (LEAP_YEAR if leap_day else YEARLESS_YEAR)
    try:
        return date(year, month, day), leap_day
    except ValueError:
        return None


def _event(contact: Contact, label: str, value: str, uid: str, stamp: datetime) -> Any:
    from icalendar import Event

    start = yearly_start(value)
    if start is None:
        return None
    day, leap_day = start
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    if label == "birthday":
        event.add("summary", _text(f"{contact.name}'s birthday"))
    else:
        event.add("summary", _text(f"{contact.name}: {label}"))
    event.add("dtstart", day)
    rule: dict[str, Any] = {"FREQ": "YEARLY"}
    if leap_day:
        rule |= {"BYMONTH": 2, "BYMONTHDAY": -1}
    event.add("rrule", rule)
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["minicrm"])
    return event


def to_ics(
    followups: Iterable[FollowUp],
    birthdays: Iterable[tuple[Contact, str, str]],
    *,
    now_stamp: str,
) -> str:
    """A VCALENDAR with one VTODO per follow-up and one yearly VEVENT per
    (contact, label, value) date; ``now_stamp`` (UTC, ``2026-11-22T09:30:00Z``) is every
    component's DTSTAMP. A date value that is not ``YYYY-MM-DD``/``--MM-DD`` is left out.
    Returns the text with CRLF line ends and lines folded at 75 octets."""
    stamp = _now(now_stamp)
    calendar = _calendar()
    for component in _components(followups, birthdays, stamp):
        calendar.add_component(component)
    result: str = calendar.to_ical().decode("utf-8")
    return result


def write_ics(
    out: IO[str],
    followups: Iterable[FollowUp],
    birthdays: Iterable[tuple[Contact, str, str]],
    *,
    now_stamp: str,
) -> None:
    """What :func:`to_ics` returns, written to ``out`` one component at a time (the
    calendar is never whole in memory): the calendar's own lines, each VTODO and VEVENT
    as icalendar writes it inside a calendar, then ``END:VCALENDAR``."""
    stamp = _now(now_stamp)
    end = "END:VCALENDAR\r\n"
    head = _calendar().to_ical().decode("utf-8")
    assert head.endswith(end)
    out.write(head[: -len(end)])
    parts: list[str] = []
    for component in _components(followups, birthdays, stamp):
        parts.append(component.to_ical().decode("utf-8"))
        if len(parts) >= 500:
            out.write("".join(parts))
            parts.clear()
    out.write("".join(parts) + end)


def _now(now_stamp: str) -> datetime:
    stamp = _stamp(now_stamp)
    if stamp is None:
        raise ValueError(f"not a UTC stamp: {now_stamp!r}")
    return stamp


def _calendar() -> Any:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "minicrm")
    return calendar


def _components(
    followups: Iterable[FollowUp],
    birthdays: Iterable[tuple[Contact, str, str]],
    stamp: datetime,
) -> Iterator[Any]:
    for f in followups:
        yield _todo(f, stamp)
    seen: set[str] = set()
    for contact, label, value in birthdays:
        label = label or "date"
        base = f"{contact.uid}-{label}"
        uid, n = f"{base}@minicrm", 2
        while uid in seen:  # two dates with one label: the second is -2
            uid, n = f"{base}-{n}@minicrm", n + 1
        event = _event(contact, label, value, uid, stamp)
        if event is not None:
            seen.add(uid)
            yield event
