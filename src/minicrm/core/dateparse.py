"""Reading the dates and times people type: ``tomorrow``, ``next fri``, ``dec 5``,
``+3d``, ``in 2 weeks``, ``2026-12-04 9am``, ``14:30``.

Parsing never reads the clock: relative forms are read against the ``today`` the caller
passes in, so ``--on`` and the tests can move "today". Raises
:class:`~minicrm.core.errors.InvalidInput` for anything that cannot be read, never prints.
dateutil is imported inside the functions that need it (start-up time), and
``dateutil.parser`` is never used: it reads ``03/04/2026`` silently as March 4.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from datetime import date, time, timedelta

from minicrm.core.dates import MAX_YEAR, MIN_YEAR, MONTHS, WEEKDAYS, When, local_now
from minicrm.core.errors import InvalidInput

DATE_FORMS = (
    "e.g. 2026-12-04, 2026-12-04T09:00, today, tomorrow 9am, +3d, in 2 weeks, 3 days ago, "
    "fri, next fri 14:30, dec 5, 5 dec 2027, eow, eom"
)


TIME_FORMS = "e.g. 9am, 9:30pm, 14:30, noon, midnight"


YEARS = f"years {MIN_YEAR} to {MAX_YEAR}"


_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"


_MAX_LEN = 80


# Times: 9am, 9 am, 9:30pm, 9:30 p.m., 14:30, 09:00:30 (seconds dropped), noon, midnight.
_TIME = (
    r"(?:(?P<h12>[0-9]{1,2})(?::(?P<m12>[0-9]{2}))? ?(?P<ampm>[ap])\.?m\.?"
    r"|(?P<h24>[0-9]{1,2}):(?P<m24>[0-9]{2})(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"|(?P<word>noon|midnight))"
)


_TIME_ALONE = rf"(?:at )?{_TIME}"


# A date, then a time (optionally after "at"): "tomorrow at 9am", "dec 5 3pm", "3pm".
_WITH_TIME = rf"(?:(?P<date>.+?) )??(?:at )?(?P<time>{_TIME})"


_ISO_T = r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})t(?=[0-9])"


_ISO = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"


_NUMERIC = r"([0-9]{1,4})([/.])([0-9]{1,2})(?:\2([0-9]{1,4}))?"


_UNIT = r"(d|days?|w|weeks?|m|months?|y|years?)"


_COUNT = r"(?:(?P<a>an?) |(?P<n>[0-9]{1,7}) ?)"


_SIGNED = rf"(?P<sign>[+-]) ?(?P<n>[0-9]{{1,7}}) ?{_UNIT}"


_IN = rf"in {_COUNT}{_UNIT}"


_AGO = rf"{_COUNT}{_UNIT} ago"


_WEEKDAY = r"(?:(?P<which>next|last|this) )?(?P<name>[a-z]+)"


_ORDINAL = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?"


_YEAR = r"(?:,? (?P<year>[0-9]{4}))?"


_MONTH_DAY = rf"(?P<month>[a-z]+)\.? {_ORDINAL}{_YEAR}"


_DAY_MONTH = rf"{_ORDINAL}(?: of)? (?P<month>[a-z]+)\.?{_YEAR}"


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _not_a_date(text: str) -> InvalidInput:
    return InvalidInput(f"not a date: {_shown(text)}", hint=DATE_FORMS)


def _clean(text: str, error: Callable[[str], InvalidInput]) -> str:
    """Lower case, one space between words, commas as ", "; control characters refused."""
    if not isinstance(text, str) or re.search(_CONTROL, text):
        raise error(text if isinstance(text, str) else repr(text))
    cleaned = " ".join(text.lower().replace(",", ", ").split()).replace(" ,", ",")
    if not cleaned or len(cleaned) > _MAX_LEN:
        raise error(text)
    return cleaned


def parse_time(text: str) -> time:
    """``9am``, ``9 am``, ``9:30pm``, ``12am`` (00:00), ``12pm`` (12:00), ``14:30``, ``09:00``,
    ``noon``, ``midnight`` (00:00); an optional leading ``at``."""
    cleaned = _clean(text, _not_a_time)
    match = re.fullmatch(_TIME_ALONE, cleaned)
    if not match:
        raise _not_a_time(text)
    return _time_from(match, text)


def _not_a_time(text: str) -> InvalidInput:
    return InvalidInput(f"not a time: {_shown(text)}", hint=TIME_FORMS)


def _time_from(match: re.Match[str], text: str) -> time:
    if match["word"]:
        return time(12, 0) if match["word"] == "noon" else time(0, 0)
    if match["ampm"]:
        hour, minute = int(match["h12"]), int(match["m12"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise _not_a_time(text)
        hour = hour % 12 + (12 if match["ampm"] == "p" else 0)
        return time(hour, minute)
    hour, minute = int(match["h24"]), int(match["m24"])
    if hour > 23 or minute > 59:
        raise _not_a_time(text)
    return time(hour, minute)


def parse_when(text: str, *, today: date, prefer: str = "future") -> When:
    """What the user typed as a day, with an optional time. ``today`` is the local date the
    relative forms count from. Case and extra spaces do not matter.

    - ``2026-12-04``, ``2026-12-04T09:00``, ``2026-12-04 09:00`` (seconds are dropped);
    - ``today``/``eod``, ``tomorrow``, ``yesterday``, ``now`` (today at the local minute);
    - ``+3d``, ``-2w``, ``+1m``, ``+1y`` (the sign is required), ``in 3 days``, ``in a week``,
      ``3 weeks ago``, ``a year ago``; months and years as relativedelta (Jan 31 + 1m = Feb 28);
    - ``fri`` (on or after today), ``next fri`` (after today), ``last fri`` (before today),
      ``next week``/``month``/``year``, ``last week``/``month``/``year``;
    - ``dec 5``, ``5 dec``, ``dec 5th``, ``5th of december``, ``dec 5 2027``, ``dec 5, 2027``;
    - ``eow`` (the last day of this week: Sunday, unless the config file's ``[week]
      first_day`` is another day than Monday), ``eom``, ``eoy``;
    - any of these followed by a time, optionally after ``at`` (``tomorrow at 9am``); a time
      alone is today at that time.

    ``prefer`` ("future" or "past") picks the year of a month-day without one (``dec 5``)
    and the direction of a bare weekday (``fri``): the first on or after ``today``, or the
    last on or before it. ``03/04/2026`` and other numbers with slashes or dots are refused as
    ambiguous; so are impossible dates and years outside 1900..2200.
    """
    if prefer not in ("future", "past"):
        raise ValueError(f"prefer must be 'future' or 'past', not {prefer!r}")
    cleaned = re.sub(_ISO_T, r"\1 ", _clean(text, _not_a_date))
    at: time | None = None
    day_text: str | None = cleaned
    if match := re.fullmatch(_WITH_TIME, cleaned):
        day_text = match["date"]
        at = _time_from(match, text)
    if day_text is None:
        day = today
    else:
        day, implied = _parse_day(day_text, text, today, prefer)
        if implied is not None:
            if at is not None:
                raise InvalidInput(
                    f"'now' already has a time: {_shown(text)}", hint="e.g. now, or today 9am"
                )
            at = implied
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InvalidInput(f"date out of range: {_shown(text)}", hint=YEARS)
    return When(day, at)


def parse_date(text: str, *, today: date, prefer: str = "future") -> date:
    """Like :func:`parse_when`, for a whole day: a time part is refused (``now`` is today)."""
    if isinstance(text, str) and " ".join(text.lower().split()) == "now":
        return parse_when("today", today=today, prefer=prefer).day
    when = parse_when(text, today=today, prefer=prefer)
    if when.time is not None:
        raise InvalidInput(
            f"expected a date without a time: {_shown(text)}", hint="e.g. tomorrow, fri, dec 5"
        )
    return when.day


def _parse_day(s: str, text: str, today: date, prefer: str) -> tuple[date, time | None]:
    """One day (and, for ``now``, the time it implies)."""
    if m := re.fullmatch(_ISO, s):
        year, month, day = (int(g) for g in m.groups())
        return _make_date(year, month, day, text), None
    if m := re.fullmatch(_NUMERIC, s):
        raise _ambiguous(m, text, today, prefer)
    if s == "now":
        moment = local_now().replace(second=0, microsecond=0)
        return today, moment.time()
    if s in _KEYWORDS:
        return _KEYWORDS[s](today), None
    if m := re.fullmatch(_SIGNED, s):
        n = int(m["n"]) * (-1 if m["sign"] == "-" else 1)
        return _shift(today, n, m[3], text), None
    if m := re.fullmatch(_IN, s):
        return _shift(today, int(m["n"] or 1), m[3], text), None
    if m := re.fullmatch(_AGO, s):
        return _shift(today, -int(m["n"] or 1), m[3], text), None
    if m := re.fullmatch(_WEEKDAY, s):
        which, name = m["which"], m["name"]
        if name in WEEKDAYS:
            return _weekday(today, WEEKDAYS[name], which, prefer), None
        if which in ("next", "last") and name in ("week", "month", "year"):
            n = 1 if which == "next" else -1
            return _shift(today, n, name, text), None
    if words := month_day_words(s):
        month, day, written_year = words
        if written_year is not None:
            return _make_date(written_year, month, day, text), None
        return _month_day(month, day, today, prefer, text), None
    raise _not_a_date(text)


def month_day_words(text: str) -> tuple[int, int, int | None] | None:
    """A month and a day in words, with or without a year: ``dec 5``, ``5th of december``,
    ``may 17, 1990`` (``text`` in lower case with single spaces) -> (month, day, year or
    None); None for anything else. Whether the day exists is the caller's question. The
    one reader of these forms: dates here, birthdays in :mod:`minicrm.core.validate`."""
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        if (m := re.fullmatch(pattern, text)) and m["month"] in MONTHS:
            return MONTHS[m["month"]], int(m["day"]), int(m["year"]) if m["year"] else None
    return None


def _end_of_week(today: date) -> date:
    """The last day of the week holding ``today``: weeks start on the config file's
    ``[week] first_day`` (Monday unless set; the file is read only for ``eow``)."""
    from minicrm.core.config import start_of_week, week_start  # lazy: start-up

    return start_of_week(today, week_start()) + timedelta(days=6)


def _end_of_month(today: date) -> date:
    first_of_next = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


_KEYWORDS = {
    "today": lambda t: t,
    "eod": lambda t: t,
    "tomorrow": lambda t: t + timedelta(days=1),
    "yesterday": lambda t: t - timedelta(days=1),
    "eow": _end_of_week,
    "eom": _end_of_month,
    "eoy": lambda t: t.replace(month=12, day=31),
}


def _make_date(year: int, month: int, day: int, text: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year {year} is out of range: {_shown(text)}", hint=YEARS)
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"impossible date: {_shown(text)}", hint=DATE_FORMS) from None


def _month_day(month: int, day: int, today: date, prefer: str, text: str) -> date:
    """``dec 5`` without a year: the first on or after ``today`` (future) or the last on or
    before it (past). ``feb 29`` is the next (previous) leap year's."""
    try:
        date(2000, month, day)  # a leap year: feb 29 is a real month-day
    except ValueError:
        raise InvalidInput(f"impossible date: {_shown(text)}", hint=DATE_FORMS) from None
    step = 1 if prefer == "future" else -1
    year = today.year
    for _ in range(9):  # a leap year comes within 8 years (2096 -> 2104)
        if (month, day) != (2, 29) or _is_leap(year):
            try:
                candidate = date(year, month, day)
            except ValueError:  # beyond year 1..9999
                break
            if (candidate >= today) if step == 1 else (candidate <= today):
                return candidate
        year += step
    raise InvalidInput(f"date out of range: {_shown(text)}", hint=YEARS)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _shift(today: date, n: int, unit: str, text: str) -> date:
    try:
        if unit[0] == "d":
            return today + timedelta(days=n)
        if unit[0] == "w":
            return today + timedelta(weeks=n)
        from dateutil.relativedelta import relativedelta

        if abs(n) > 100_000:
            raise OverflowError
        if unit[0] == "m":
            return today + relativedelta(months=n)
        return today + relativedelta(years=n)
    except (OverflowError, ValueError):
        raise InvalidInput(f"date out of range: {_shown(text)}", hint=YEARS) from None


def _weekday(today: date, target: int, which: str | None, prefer: str) -> date:
    ahead = (target - today.weekday()) % 7
    behind = (today.weekday() - target) % 7
    if which == "next":
        return today + timedelta(days=ahead or 7)
    if which == "last":
        return today - timedelta(days=behind or 7)
    if prefer == "past" and which is None:
        return today - timedelta(days=behind)
    return today + timedelta(days=ahead)


def _ambiguous(m: re.Match[str], text: str, today: date, prefer: str) -> InvalidInput:
    """03/04/2026, 3/4, 04.03.2026: which is the month depends on the country."""
    a, _, b, c = m.groups()
    readings: list[date] = []
    if c is None:
        if len(a) > 2:
            return _not_a_date(text)
        pairs = [(int(a), int(b)), (int(b), int(a))]
        for month, day in pairs:
            with contextlib.suppress(InvalidInput):
                readings.append(_month_day(month, day, today, prefer, text))
    else:
        if len(a) <= 2 and len(c) == 4:
            year, x, y = int(c), int(a), int(b)
        elif len(a) == 4 and len(c) <= 2:
            year, x, y = int(a), int(b), int(c)
        elif len(a) <= 2 and len(c) <= 2:
            return InvalidInput(f"ambiguous date: {_shown(text)}", hint="write it as YYYY-MM-DD")
        else:
            return _not_a_date(text)
        if not MIN_YEAR <= year <= MAX_YEAR:
            return InvalidInput(f"year {year} is out of range: {_shown(text)}", hint=YEARS)
        for month, day in ((x, y), (y, x)):
            with contextlib.suppress(ValueError):
                readings.append(date(year, month, day))
    if not readings:
        return InvalidInput(f"impossible date: {_shown(text)}", hint=DATE_FORMS)
    unique = sorted(set(readings), key=readings.index)
    return InvalidInput(
        f"ambiguous date: {_shown(text)}",
        hint="write it as " + " or ".join(d.isoformat() for d in unique),
    )
