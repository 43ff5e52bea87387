"""The dateutil side of recurrence: a rule's parts -> ``dateutil.rrule`` arguments, and the
search for the first occurrence after a moment, bounded to ~400 years.

Works on the parsed parts of :mod:`minicrm.core.recurrence` (FREQ str, INTERVAL int, int
lists, BYDAY [(n, weekday)], WKST int) and naive local wall-clock datetimes. dateutil is
imported inside the functions that use it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")  # dateutil's constants 0..3, in this order
_DAY_PARTS = {"BYMONTHDAY", "BYDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS"}


def rrule_kwargs(parts: dict[str, Any], anchor: datetime) -> dict[str, Any]:
    """The ``dateutil.rrule`` arguments of a rule's parts for a series from ``anchor``."""
    from dateutil.rrule import weekday

    freq = parts["FREQ"]
    kwargs: dict[str, Any] = {
        "freq": FREQS.index(freq),
        "interval": parts.get("INTERVAL", 1),
        "wkst": parts.get("WKST", 0),
    }
    for name, key in (
        ("BYMONTH", "bymonth"),
        ("BYWEEKNO", "byweekno"),
        ("BYYEARDAY", "byyearday"),
        ("BYMONTHDAY", "bymonthday"),
        ("BYSETPOS", "bysetpos"),
    ):
        if name in parts:
            kwargs[key] = tuple(parts[name])
    if "BYDAY" in parts:
        kwargs["byweekday"] = tuple(weekday(d, n or None) for n, d in parts["BYDAY"])
    # month-end: the anchor's day, or the month's last day when the month is shorter
    if anchor.day > 28 and not parts.keys() & _DAY_PARTS:
        month_end = {"bymonthday": tuple(range(28, anchor.day + 1)), "bysetpos": (-1,)}
        if freq == "MONTHLY":
            kwargs |= month_end
        elif freq == "YEARLY" and len(kwargs.get("bymonth", (anchor.month,))) == 1:
            kwargs |= {"bymonth": kwargs.get("bymonth", (anchor.month,))} | month_end
    return kwargs


_CYCLE_YEARS = 400  # the Gregorian calendar, weekdays included, repeats every 400 years


def first_after(
    parts: dict[str, Any], anchor: datetime, after: datetime, until: date | None
) -> datetime | None:
    """The first occurrence after ``after``, looking at most ~400 years ahead.

    dateutil only stops a rule that yields nothing at year 9999 (seconds for a daily rule),
    so the search is moved by whole 400-year cycles, which changes nothing about which
    days match, to end there, and the answer moved back.
    """
    from dateutil.rrule import DAILY, WEEKLY, rrule

    kwargs = rrule_kwargs(parts, anchor)
    start = anchor
    freq = kwargs["freq"]
    if after > anchor and freq in (DAILY, WEEKLY) and "bysetpos" not in kwargs:
        # skip whole periods: the series is the same from any of its period starts
        step = timedelta(days=kwargs["interval"] * (7 if freq == WEEKLY else 1))
        start = anchor + ((after - anchor) // step) * step
    latest = max(start, after)
    shift = _CYCLE_YEARS * max(0, (datetime.max.year - _CYCLE_YEARS - 1 - latest.year) // 400)
    end = None
    if until is not None:
        if until < start.date():
            return None
        if until.year + shift <= datetime.max.year:
            end = _years(datetime.combine(until, time.max), shift)
    found = rrule(dtstart=_years(start, shift), until=end, cache=False, **kwargs).after(
        _years(after, shift), inc=False
    )
    if found is None:
        return None
    found = _years(found, -shift)
    if until is not None and found.date() > until:
        return None
    return found


def _years(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year + years)  # Feb 29 stays: years is 400 * n


# --- description ---------------------------------------------------------------------------
