"""The iCalendar RRULE writer: minicrm's series -> the RRULE body a client expanding it
from the DUE (RFC 5545, dateutil, icalendar, todoman) finds the same occurrences with.

dateutil is imported inside the functions that use it.
"""

from __future__ import annotations

import functools
import itertools
from datetime import date, datetime, timedelta
from typing import Any

from minicrm.core.occurrences import first_after, rrule_kwargs
from minicrm.core.recurrence import format_rule, rule_parts, schedule


def _explicit(parts: dict[str, Any], anchor: datetime) -> dict[str, Any]:
    """The parts of the rule as minicrm expands it from ``anchor``, with what dateutil (and
    RFC 5545) would otherwise take from DTSTART spelled out: the weekday of a weekly rule,
    the day of a monthly one, the day and month of a yearly one, and the month-end rule
    minicrm adds from the 29th-31st. Expanded from any start, the result matches the same
    days as minicrm's schedule does (only INTERVAL still counts periods from the start)."""
    out = dict(parts)
    if parts.keys() & {"BYMONTHDAY", "BYDAY", "BYYEARDAY", "BYWEEKNO"}:
        if "BYWEEKNO" in parts and "BYDAY" not in parts:
            # dateutil: every day of the week; some clients: DTSTART's weekday only
            out["BYDAY"] = [(0, d) for d in range(7)]
        return _weekly_setpos(out) if parts["FREQ"] == "WEEKLY" else out
    freq, day = parts["FREQ"], anchor.day
    if "BYSETPOS" in parts:  # minicrm adds no month-end rule then; dateutil's defaults
        if freq == "WEEKLY":
            out["BYDAY"] = [(0, anchor.weekday())]
            return _weekly_setpos(out)
        elif freq in ("MONTHLY", "YEARLY"):
            out["BYMONTHDAY"] = [day]
            if freq == "YEARLY":
                out["BYMONTH"] = parts.get("BYMONTH", [anchor.month])
        return out
    if freq == "WEEKLY":
        out["BYDAY"] = [(0, anchor.weekday())]
    elif freq == "MONTHLY":
        if day <= 28:
            out["BYMONTHDAY"] = [day]
        elif day == 31:  # minicrm's month-end rule replaces any BYSETPOS, as here
            out["BYMONTHDAY"] = [-1]
            out.pop("BYSETPOS", None)
        else:  # the 29th or 30th, or the month's last day when it is shorter
            out["BYMONTHDAY"], out["BYSETPOS"] = list(range(28, day + 1)), [-1]
    elif freq == "YEARLY":
        months = parts.get("BYMONTH", [anchor.month])
        out["BYMONTH"] = months
        if len(months) == 1 and day > 28:
            # minicrm's month-end rule (which replaces any BYSETPOS): February's last day
            # from the 29th-31st, the day itself or the month's last in any other month
            from calendar import monthrange

            out.pop("BYSETPOS", None)
            last = monthrange(2001, months[0])[1]
            out["BYMONTHDAY"] = [-1] if months == [2] else [min(day, last)]
        else:
            out["BYMONTHDAY"] = [day]
    return out


def _weekly_setpos(parts: dict[str, Any]) -> dict[str, Any]:
    """A weekly BYSETPOS without BYMONTH picks the same weekdays in every whole week:
    say those days instead. dateutil applies BYSETPOS to the days from DTSTART to the
    week's end in the first week, so from a mid-week DUE it would pick others."""
    if "BYSETPOS" not in parts or "BYMONTH" in parts:
        return parts
    wkst = parts.get("WKST", 0)
    days = sorted({d for _, d in parts["BYDAY"]}, key=lambda d: (d - wkst) % 7)
    picked = {
        days[p - 1] if p > 0 else days[p] for p in parts["BYSETPOS"] if -len(days) <= p <= len(days)
    }
    out = {k: v for k, v in parts.items() if k != "BYSETPOS"}
    out["BYDAY"] = [(0, d) for d in sorted(picked)]
    return out


def ical_rule(
    rule: str,
    *,
    anchor: datetime,
    due: datetime,
    until: date | None = None,
    count: int | None = None,
    all_day: bool = False,
) -> str | None:
    """The RRULE body (no ``RRULE:``) to write beside ``DUE:due``, with no DTSTART, so
    that a client expanding it from the due (RFC 5545, dateutil, icalendar,
    recurring-ical-events, todoman) finds exactly minicrm's next occurrences; ``""`` when
    there is no next occurrence (the due alone says it all), None when no rule can say it.

    ``anchor`` is the series' start (``series_start``), ``due`` the open occurrence's due
    (00:00 for all-day), ``count`` the occurrences left counting this one, ``until`` the
    series' last day; an all-day series' UNTIL is a DATE. Not expressible: a due at another time of day than the series, a
    due before the series' start, and, for a rule with INTERVAL above 1, a due that is not
    itself one of the series' days (a snoozed one): the periods would count from the wrong
    day. A series counted from when it is done is the caller's to leave out.
    """
    parts = rule_parts(rule)
    if due.time() != anchor.time() or due < anchor:
        return None
    if not schedule(rule, anchor=anchor, first=due, until=until, count=count, limit=1):
        return ""  # the last occurrence: nothing to repeat
    explicit = _explicit(parts, anchor)
    if parts["FREQ"] == "WEEKLY" and "BYSETPOS" in parts:
        wkst = parts.get("WKST", 0)
        week_start = anchor.date() - timedelta(days=(anchor.weekday() - wkst) % 7)
        if "BYSETPOS" in explicit or (
            anchor.weekday() != wkst and due.date() < week_start + timedelta(days=7)
        ):
            return None  # minicrm's (dateutil's) first week is the days from the anchor on
    from dateutil.rrule import rrule

    on_schedule = first_after(parts, anchor, due - timedelta(seconds=1), until) == due and (
        rrule(dtstart=due, count=1, cache=False, **rrule_kwargs(explicit, anchor))[0] == due
    )
    if parts.get("INTERVAL", 1) > 1 and not on_schedule:
        return None
    body = format_rule(explicit)
    end = _end(explicit, anchor, due, until, count, on_schedule, all_day)
    return body + (f";{end}" if end else "")


def _end(
    parts: dict[str, Any],
    anchor: datetime,
    due: datetime,
    until: date | None,
    count: int | None,
    on_schedule: bool,
    all_day: bool,
) -> str:
    """COUNT=n when the due is one of the series' days and the count ends it first (the
    due counts as the first, in RFC 5545 and in dateutil alike), else UNTIL: the last
    occurrence itself when the count ends the series, else the until day's end. A DATE
    for an all-day series (00:00), a floating DATE-TIME for a timed one."""
    last_by_count: datetime | None = None
    if count is not None:
        from dateutil.rrule import rrule

        kwargs = rrule_kwargs(parts, anchor)
        # the occurrences after the due: count - 1 of them (or fewer, if until ends it)
        later = (d for d in rrule(dtstart=due, cache=False, **kwargs) if d > due)
        last_by_count = functools.reduce(
            lambda _, d: d, itertools.islice(later, max(0, count - 1)), due
        )
    if last_by_count is not None and (until is None or last_by_count.date() <= until):
        if on_schedule:
            return f"COUNT={count}"
        return "UNTIL=" + _ical_moment(last_by_count, all_day)
    if until is not None:
        return "UNTIL=" + _ical_moment(datetime.combine(until, due.time()), all_day)
    return ""


def _ical_moment(moment: datetime, all_day: bool) -> str:
    return moment.strftime("%Y%m%d" if all_day else "%Y%m%dT%H%M%S")
