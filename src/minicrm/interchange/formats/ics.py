"""iCalendar (RFC 5545) export: follow-ups as VTODOs, birthdays and yearly dates as VEVENTs.

minicrm times are local wall-clock times, so a timed follow-up is written as a *floating*
DATE-TIME (no TZID, no Z): 09:00 stays 09:00 in whatever zone the calendar app is in. An
all-day follow-up is a DATE. Only the stamps (DTSTAMP, CREATED, LAST-MODIFIED, COMPLETED)
are UTC, as the RFC requires.

A series of follow-ups is one VTODO with one UID (the series' uid + ``@minicrm``), the same
for every occurrence: it shows the open occurrence (its DUE, title, priority, notes), or,
when none is open, the series' last one, ``STATUS:COMPLETED`` with ``COMPLETED:`` or
``STATUS:CANCELLED``. A repeating one carries no DTSTART (clients expect it before DUE or
not at all) and an RRULE that, expanded from the DUE, gives exactly minicrm's own next
occurrences (:func:`minicrm.core.icalrule.ical_rule`: month ends, Feb 29, weekdays,
counts, ends). Where no RRULE can say it (a series counted from when it is done, a snoozed
occurrence of a rule with INTERVAL above 1, a time moved on one occurrence), the VTODO is
the open occurrence alone, with ``X-MINICRM-RRULE`` and a ``Repeats:`` line in the
DESCRIPTION saying so; minicrm schedules the next one when it is done. The DESCRIPTION is
the notes, then who to call (``Contact:``, ``Phone:``, ``Email:``) and the ``Deal:``;
``X-MINICRM-CONTACT-UID``, ``X-MINICRM-DEAL-UID`` and ``X-MINICRM-FOLLOWUP`` (the id of
the occurrence shown) name them for programs.

A yearly date becomes an all-day VEVENT repeating FREQ=YEARLY. DTSTART is the date
itself when the year is known; a year-less date (``--MM-DD``) starts in 1970 (a date in
the past, so every coming year is covered). 29 February starts in 1972 (a leap year) and
repeats on the last day of February (BYMONTH=2;BYMONTHDAY=-1), as minicrm's own
``birthdays`` view does: on the 28th in common years.

icalendar is imported inside :func:`to_ics` (start-up cost).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import IO, Any

from minicrm.activity.models import FollowUp, SeriesTask
from minicrm.contacts.models import Contact
from minicrm.core import icalrule

PRODID = "-//minicrm//minicrm//EN"
UID_SUFFIX = "@minicrm"
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


def task_uid(f: FollowUp) -> str:
    """The UID of a series' task: one per series, the same for every occurrence."""
    return f"{f.series_uid or f.uid}{UID_SUFFIX}"


def _recurrence(task: SeriesTask, due: date | datetime) -> tuple[str | None, list[str]]:
    """(the RRULE body to write, or None) and the description lines that say how it
    repeats when no RRULE can say it (minicrm then writes the open occurrence alone)."""
    f = task.followup
    rec = f.recurrence
    if rec is None or f.status != "open":
        return None, []
    if rec.count is not None and f.occurrence >= rec.count:
        return None, []  # the series' last occurrence
    due_at = due if isinstance(due, datetime) else datetime.combine(due, time(0))
    rule: str | None = None
    if rec.scheduled_from != "done":
        anchor = _anchor(task.series_start, due_at)
        rule = icalrule.ical_rule(
            rec.rule,
            anchor=anchor,
            due=due_at,
            until=date.fromisoformat(rec.until) if rec.until else None,
            count=rec.count - f.occurrence + 1 if rec.count is not None else None,
            all_day=not isinstance(due, datetime),
        )
    if rule == "":
        return None, []  # the series' last occurrence
    if rule is not None:
        return rule, []
    if rec.scheduled_from == "done":
        words = f"Repeats: {rec.text}, counted from when it is done"
    else:
        words = f"Repeats: {rec.text}"
    return None, [f"{words} (minicrm schedules the next one when this one is done)"]


def _anchor(series_start: str, due: datetime) -> datetime:
    try:
        return datetime.fromisoformat(series_start) if series_start else due
    except ValueError:
        return due


def description(task: SeriesTask, repeats: list[str]) -> str:
    """The notes, a blank line, then who to call (name, phone, email), the deal and how
    it repeats, one ``Label: value`` line each (what :func:`notes_of` strips again)."""
    f = task.followup
    lines = []
    if f.contact:
        lines.append(f"Contact: {f.contact.name}")
        if task.phone:
            lines.append(f"Phone: {task.phone}")
        if task.email:
            lines.append(f"Email: {task.email}")
    if task.deal_title:
        lines.append(f"Deal: {task.deal_title}")
    lines += repeats
    blocks = [f.notes] if f.notes else []
    if lines:
        blocks.append("\n".join(lines))
    return _text("\n\n".join(blocks))


_GENERATED = re.compile(r"(Contact|Phone|Email|Deal|Repeats): .*")


def notes_of(text: str) -> str:
    """The notes in a task's DESCRIPTION: without the trailing lines that minicrm writes
    (``Contact:``, ``Phone:``, ``Email:``, ``Deal:``, ``Repeats:``) and the blank line
    before them."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and _GENERATED.fullmatch(lines[-1]):
        lines.pop()
    return "\n".join(lines).strip("\n")


def _todo(item: FollowUp | SeriesTask, stamp: datetime) -> Any:
    from icalendar import Todo, vRecur

    task = item if isinstance(item, SeriesTask) else SeriesTask(item)
    f = task.followup
    todo = Todo()
    todo.add("uid", task_uid(f))
    todo.add("dtstamp", stamp)
    todo.add("summary", _text(f.title))
    due = _due(f)
    rule, repeats = _recurrence(task, due)
    if text := description(task, repeats):
        todo.add("description", text)
    todo.add("due", due)  # no DTSTART: clients expand the RRULE from the DUE
    todo.add("status", STATUSES.get(f.status, "NEEDS-ACTION"))
    todo.add("priority", PRIORITIES.get(f.priority, 5))
    if f.status == "done" and (completed := _stamp(f.completed_at or "")):
        todo.add("completed", completed)
        todo.add("percent-complete", 100)
    if rule is not None:
        todo.add("rrule", vRecur.from_ical(rule))
    elif repeats and f.recurrence:
        todo.add("x-minicrm-rrule", f.recurrence.rule)
        todo.add("x-minicrm-recur-from", f.recurrence.scheduled_from)
    if created := _stamp(f.created_at):
        todo.add("created", created)
    if modified := _stamp(f.updated_at):
        todo.add("last-modified", modified)
    todo.add("categories", ["minicrm"])
    if f.contact:
        todo.add("x-minicrm-contact-uid", f.contact.uid)
    if task.deal_uid:
        todo.add("x-minicrm-deal-uid", task.deal_uid)
    todo.add("x-minicrm-followup", str(f.id))
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
    followups: Iterable[FollowUp | SeriesTask],
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
    followups: Iterable[FollowUp | SeriesTask],
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
    followups: Iterable[FollowUp | SeriesTask],
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


# -- one task per file (sync tasks) ---------------------------------------------------------


def task_text(task: SeriesTask, *, uid: str | None = None) -> str:
    """One series as a whole ``.ics`` file (a VCALENDAR with one VTODO), as a vdir holds
    it; ``uid`` is the UID the file has had (a task made on a phone keeps its own).
    DTSTAMP is the follow-up's last change, so the same task is the same text."""
    f = task.followup
    stamp = _stamp(f.updated_at) or _stamp(f.created_at) or datetime(1970, 1, 1, tzinfo=UTC)
    todo = _todo(task, stamp)
    if uid is not None:
        todo["uid"] = uid
    calendar = _calendar()
    calendar.add_component(todo)
    text: str = calendar.to_ical().decode("utf-8")
    return text


@dataclass
class TaskFile:
    """What minicrm reads from a task file."""

    uid: str
    title: str
    due: str | None  # YYYY-MM-DD (all-day) or YYYY-MM-DDTHH:MM, local wall-clock time
    status: str  # open, done, cancelled
    priority: str  # high, normal, low
    notes: str
    about: str  # the lines minicrm adds to the description (Contact:, Phone:, ...)
    rrule: str  # the RRULE as written, "" when none
    contact_uid: str | None  # X-MINICRM-CONTACT-UID
    contact_name: str | None  # a "Contact: NAME" line of the description
    followup_id: int | None = None  # X-MINICRM-FOLLOWUP: the occurrence minicrm wrote


def _priority(value: Any) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return "normal"
    return "high" if 1 <= n <= 4 else "low" if 6 <= n <= 9 else "normal"


def _local(value: Any) -> str | None:
    """A DUE as minicrm keeps it: a DATE as is, a floating time as written, a UTC or
    zoned time in the local zone (what the phone meant), to the minute."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone().replace(tzinfo=None)
        return str(value.strftime("%Y-%m-%dT%H:%M"))
    if isinstance(value, date):
        return value.isoformat()
    return None


def read_task(text: str) -> TaskFile:
    """The one VTODO of a task file; raises ValueError saying why it is not one."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError) as exc:
        raise ValueError(f"not iCalendar ({exc})") from None
    todos = calendar.walk("VTODO")
    if len(todos) != 1:
        raise ValueError(f"holds {len(todos)} tasks, not one")
    todo = todos[0]
    uid = str(todo.get("uid", "")).strip()
    if not uid:
        raise ValueError("the task has no UID")
    try:
        due = _local(todo.decoded("due")) if "due" in todo else None
    except (ValueError, TypeError):
        raise ValueError("its DUE cannot be read") from None
    status_word = str(todo.get("status", "NEEDS-ACTION")).upper()
    status = {"COMPLETED": "done", "CANCELLED": "cancelled"}.get(status_word, "open")
    if status == "open" and "completed" in todo:
        status = "done"
    description = _text(str(todo.get("description", "")))
    notes = notes_of(description)
    about = description[len(notes) :].strip("\n") if description.startswith(notes) else ""
    contact_name = None
    for line in about.split("\n"):
        if line.startswith("Contact: "):
            contact_name = line[len("Contact: ") :].strip() or None
    rrule = todo.get("rrule")
    if isinstance(rrule, list):
        rrule = rrule[0] if rrule else None
    return TaskFile(
        uid=uid,
        title=_text(str(todo.get("summary", ""))).strip(),
        due=due,
        status=status,
        priority=_priority(todo.get("priority")),
        notes=notes,
        about=about,
        rrule=rrule.to_ical().decode() if rrule is not None else "",
        contact_uid=str(todo["x-minicrm-contact-uid"]) if "x-minicrm-contact-uid" in todo else None,
        contact_name=contact_name,
        followup_id=_followup_id(todo.get("x-minicrm-followup")),
    )


def _followup_id(value: Any) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


# -- calendars (sync events) ----------------------------------------------------------------

EVENT_MINUTES = 30  # how long a follow-up's event lasts in a calendar


def _followup_event(task: SeriesTask, stamp: datetime) -> Any:
    """A timed open follow-up as a VEVENT, for calendar apps that show no tasks: at its due
    time, EVENT_MINUTES long, repeating as the task does."""
    from datetime import timedelta

    from icalendar import Event, vRecur

    f = task.followup
    due = _due(f)
    event = Event()
    event.add("uid", f"{f.series_uid or f.uid}-event{UID_SUFFIX}")
    event.add("dtstamp", stamp)
    event.add("summary", _text(f.title))
    rule, repeats = _recurrence(task, due)
    if text := description(task, repeats):
        event.add("description", text)
    event.add("dtstart", due)
    if isinstance(due, datetime):
        event.add("dtend", due + timedelta(minutes=EVENT_MINUTES))
    if rule:
        event.add("rrule", vRecur.from_ical(rule))
    event.add("categories", ["minicrm"])
    return event


def event_files(
    tasks: Iterable[SeriesTask],
    dates: Iterable[tuple[Contact, str, str]],
    *,
    now_stamp: str,
) -> dict[str, str]:
    """UID -> a whole ``.ics`` file with one VEVENT: the yearly dates (birthdays first),
    then each timed open follow-up in ``tasks`` (``tasks`` empty: no follow-ups)."""
    stamp = _now(now_stamp)
    out: dict[str, str] = {}
    components = list(_components([], dates, stamp))
    components += [
        _followup_event(t, stamp)
        for t in tasks
        if t.followup.status == "open" and t.followup.due_time
    ]
    for component in components:
        calendar = _calendar()
        calendar.add_component(component)
        out[str(component["uid"])] = calendar.to_ical().decode("utf-8")
    return out
