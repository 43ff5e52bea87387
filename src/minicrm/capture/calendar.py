"""Calendars as input: the events of ``.ics`` files and vdirs (vdirsyncer's and khal's
folders of one-event files), each occurrence with its time, title and people.

icalendar parses (it is already minicrm's iCalendar library); recurrences are expanded
here with dateutil's rrule, which icalendar's RRULE values are written for: RRULE and
RDATE, less EXDATE, with the overridden occurrences (RECURRENCE-ID) in place of the ones
they replace, up to a bound (the latest :data:`MAX_OCCURRENCES` of a series, of at
most :data:`MAX_STEPS` looked at; :data:`HORIZON_DAYS` ahead). Each occurrence is keyed by UID and RECURRENCE-ID (the original start of the
occurrence), so a moved meeting is still the same one.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from minicrm.core.errors import InvalidInput

MAX_FILE = 10 * 1024 * 1024  # bytes of one .ics file
MAX_OCCURRENCES = 5000  # occurrences of one series kept: the latest ones
MAX_STEPS = 100_000  # occurrences of one series looked at (FREQ=SECONDLY from 1900...)
MAX_FILES = 100_000
HORIZON_DAYS = 366  # how far ahead upcoming events are kept for agenda
CALENDAR_HINT = "give .ics files or a folder of them (a vdir, as vdirsyncer and khal keep)"


@dataclass(frozen=True)
class Person:
    address: str  # casefolded
    name: str
    declined: bool


@dataclass(frozen=True)
class Occurrence:
    key: str  # ics:UID or ics:UID/RECURRENCE-ID
    title: str
    start: datetime  # aware (all-day: local midnight)
    end: datetime | None
    all_day: bool
    cancelled: bool
    people: tuple[Person, ...]  # organizer and attendees
    source: str  # the file


def discover(paths: Sequence[Path | str]) -> list[str]:
    """The .ics files at the given paths (folders walked, each file once)."""
    files: dict[str, None] = {}
    for given in paths:
        path = Path(given).expanduser()
        if path.is_file():
            files[os.path.realpath(path)] = None
            continue
        if not path.is_dir():
            raise InvalidInput(f"no such file or folder: {path}", hint=CALENDAR_HINT)
        before = len(files)
        for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.lower().endswith(".ics") and not name.startswith("."):
                    files[os.path.realpath(os.path.join(dirpath, name))] = None
                    if len(files) >= MAX_FILES:
                        break
        if len(files) == before:
            raise InvalidInput(f"{path} holds no .ics files", hint=CALENDAR_HINT)
    return list(files)


def _address(value: Any) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().strip("<>").casefold()


def _people(component: Any) -> tuple[Person, ...]:
    found: list[Person] = []
    organizer = component.get("ORGANIZER")
    if organizer is not None:
        params = getattr(organizer, "params", {})
        found.append(Person(_address(organizer), str(params.get("CN", "")), False))
    attendees = component.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    for attendee in attendees[:1000]:
        params = getattr(attendee, "params", {})
        declined = str(params.get("PARTSTAT", "")).upper() == "DECLINED"
        found.append(Person(_address(attendee), str(params.get("CN", "")), declined))
    return tuple(p for p in found if "@" in p.address)


def _moment(value: Any, zone: tzinfo) -> tuple[datetime, bool] | None:
    """A DTSTART/DTEND/RECURRENCE-ID value as (aware datetime, all day)."""
    raw = getattr(value, "dt", value)
    if isinstance(raw, datetime):
        if raw.tzinfo is None:  # floating: the user's own wall clock
            return raw.replace(tzinfo=zone), False
        return raw, False
    if isinstance(raw, date):
        return datetime.combine(raw, time(0), tzinfo=zone), True
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())[:500]


def _dates(component: Any, name: str, zone: tzinfo) -> list[datetime]:
    values = component.get(name)
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    out: list[datetime] = []
    for value in values:
        for item in getattr(value, "dts", [value]):
            moment = _moment(item, zone)
            if moment is not None:
                out.append(moment[0])
    return out


def _rid(moment: datetime, all_day: bool) -> str:
    if all_day:
        return moment.strftime("%Y%m%d")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def occurrences(
    path: str, until: datetime, zone: tzinfo, problems: list[str] | None = None
) -> Iterator[Occurrence]:
    """Every occurrence of the file's events that starts before ``until``. Raises
    ValueError (or another parser error) for a file that is not a calendar; an event it
    cannot read (no usable start, a rule dateutil refuses) is added to ``problems``."""
    import icalendar

    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise ValueError(f"larger than {MAX_FILE // (1024 * 1024)} MB")
    calendars = icalendar.Calendar.from_ical(data, multiple=True)
    events: dict[str, list[Any]] = {}
    for calendar in calendars:
        for component in calendar.walk("VEVENT"):
            uid = _text(component.get("UID")) or f"{path}#{len(events)}"
            events.setdefault(uid, []).append(component)
    if not calendars or not any(c.name == "VCALENDAR" for c in calendars):
        raise ValueError("no VCALENDAR in it")
    for uid, components in events.items():
        try:
            yield from _series(uid, components, until, zone, path)
        except Exception as exc:  # one bad event is counted, never the file
            if problems is not None:
                problems.append(f"event {uid[:80]!r}: {exc}"[:200])


def _series(
    uid: str, components: list[Any], until: datetime, zone: tzinfo, path: str
) -> Iterator[Occurrence]:
    masters = [c for c in components if c.get("RECURRENCE-ID") is None]
    overrides: dict[str, Any] = {}
    for c in components:
        if c.get("RECURRENCE-ID") is not None:
            moment = _moment(c.get("RECURRENCE-ID"), zone)
            if moment is not None:
                overrides[_rid(*moment)] = c
    master = masters[0] if masters else None
    if master is not None:
        start = _moment(master.get("DTSTART"), zone)
        if start is None:
            raise ValueError("no start (DTSTART) that can be read")
        begin, all_day = start
        duration = _duration(master, begin, zone)
        if master.get("RRULE") is None and master.get("RDATE") is None:
            if _rid(begin, all_day) not in overrides:
                yield _occurrence(uid, None, master, begin, duration, all_day, path)
        else:
            for instant in _expand(master, begin, all_day, until, zone):
                rid = _rid(instant, all_day)
                if rid in overrides:
                    continue
                yield _occurrence(uid, rid, master, instant, duration, all_day, path)
    for rid, component in overrides.items():
        start = _moment(component.get("DTSTART"), zone)
        if start is None:
            raise ValueError("an exception without a start (DTSTART) that can be read")
        yield _occurrence(
            uid, rid, component, start[0], _duration(component, start[0], zone), start[1], path
        )


def _duration(component: Any, begin: datetime, zone: tzinfo) -> timedelta | None:
    end = _moment(component.get("DTEND"), zone) if component.get("DTEND") is not None else None
    if end is not None:
        try:
            return end[0] - begin
        except TypeError:
            return None
    length = component.get("DURATION")
    value = getattr(length, "dt", None)
    return value if isinstance(value, timedelta) else None


def _expand(
    master: Any, begin: datetime, all_day: bool, until: datetime, zone: tzinfo
) -> Iterator[datetime]:
    from dateutil.rrule import rruleset, rrulestr

    rules = master.get("RRULE")
    rules = rules if isinstance(rules, list) else [rules] if rules is not None else []
    moments = rruleset()
    naive_zone = begin.tzinfo
    for rule in rules:
        text = rule.to_ical().decode("ascii", "replace")
        try:
            rr = rrulestr(text, dtstart=begin, ignoretz=False, forceset=False)
        except ValueError:
            # dateutil wants UNTIL in UTC when DTSTART has a zone; a DATE or floating
            # UNTIL (common, and what all-day series use) means the end of that day
            text = re.sub(r"UNTIL=(\d{8})(?:T(\d{6}))?Z?", _until_utc(zone), text)
            rr = rrulestr(text, dtstart=begin, ignoretz=False, forceset=False)
        moments.rrule(rr)  # type: ignore[arg-type]
    for extra in _dates(master, "RDATE", zone):
        moments.rdate(extra.astimezone(naive_zone))
    for gone in _dates(master, "EXDATE", zone):
        moments.exdate(gone.astimezone(naive_zone))
    if not rules:  # RDATE alone: DTSTART is the first occurrence
        moments.rdate(begin)
    kept: deque[datetime] = deque(maxlen=MAX_OCCURRENCES)  # the latest ones count most
    for moment in itertools.islice(moments, MAX_STEPS):
        if moment >= until:
            break
        kept.append(moment)
    yield from kept


def _until_utc(zone: tzinfo) -> Any:
    def convert(match: re.Match[str]) -> str:
        day = datetime.strptime(match.group(1), "%Y%m%d")
        clock_time = match.group(2) or "235959"
        local = day.replace(
            hour=int(clock_time[:2]), minute=int(clock_time[2:4]), second=int(clock_time[4:])
        )
        return "UNTIL=" + local.replace(tzinfo=zone).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    return convert


def _occurrence(
    uid: str,
    rid: str | None,
    component: Any,
    start: datetime,
    duration: timedelta | None,
    all_day: bool,
    path: str,
) -> Occurrence:
    status = str(component.get("STATUS", "")).upper()
    return Occurrence(
        key=f"ics:{uid}" if rid is None else f"ics:{uid}/{rid}",
        title=_text(component.get("SUMMARY")),
        start=start,
        end=start + duration if duration is not None else None,
        all_day=all_day,
        cancelled=status == "CANCELLED",
        people=_people(component),
        source=path,
    )
