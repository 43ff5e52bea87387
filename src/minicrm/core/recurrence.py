"""Recurrence rules: what the user types -> an RFC 5545 RRULE body, and the next occurrence.

A rule is stored as a normalized RRULE body without the ``RRULE:`` prefix, e.g.
``FREQ=WEEKLY;INTERVAL=2`` or ``FREQ=WEEKLY;BYDAY=MO,TH``: FREQ first, then INTERVAL
(left out when 1), then the BY* parts in a fixed order with their values sorted, so equal
rules compare equal as strings.

Occurrences are computed by ``dateutil.rrule`` on naive local wall-clock datetimes, so a
09:00 series stays at 09:00 across DST changes. Rules are about days: the time of day comes
from the series' first occurrence, so FREQ finer than DAILY and BYHOUR/BYMINUTE/BYSECOND are
refused, and so are COUNT/UNTIL/DTSTART (the series has its own --count/--until/start).

Raises :class:`~minicrm.core.errors.InvalidInput` for rules the user typed; never prints.
dateutil is imported inside the functions that use it; the dateutil search is in
:mod:`minicrm.core.occurrences`, the RRULE written to iCalendar in :mod:`minicrm.core.icalrule`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from minicrm.core.dates import WEEKDAYS
from minicrm.core.errors import InvalidInput
from minicrm.core.occurrences import FREQS, first_after

RULE_FORMS = "e.g. 2w, month, weekday, mon,thu, 3m, RRULE:FREQ=..."
MAX_INTERVAL = 1000

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ORDER = (
    "FREQ",
    "INTERVAL",
    "BYMONTH",
    "BYWEEKNO",
    "BYYEARDAY",
    "BYMONTHDAY",
    "BYDAY",
    "BYSETPOS",
    "WKST",
)
# value ranges of the numeric list parts (0 is never allowed)
_INT_PARTS = {"BYMONTH": (1, 12), "BYWEEKNO": (-53, 53), "BYYEARDAY": (-366, 366)}
_INT_PARTS |= {"BYMONTHDAY": (-31, 31), "BYSETPOS": (-366, 366)}

_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
_MAX_LEN = 200

_UNITS = {"d": "DAILY", "w": "WEEKLY", "m": "MONTHLY", "y": "YEARLY"}
_WORDS: dict[str, dict[str, Any]] = {
    **{w: {"FREQ": "DAILY"} for w in ("daily", "day")},
    **{w: {"FREQ": "WEEKLY"} for w in ("weekly", "week")},
    **{w: {"FREQ": "MONTHLY"} for w in ("monthly", "month")},
    **{w: {"FREQ": "YEARLY"} for w in ("yearly", "year", "annually", "annual")},
    **{w: {"FREQ": "WEEKLY", "INTERVAL": 2} for w in ("fortnightly", "fortnight")},
    **{w: {"FREQ": "MONTHLY", "INTERVAL": 3} for w in ("quarterly", "quarter")},
    **{w: {"FREQ": "WEEKLY", "BYDAY": [(0, d) for d in range(5)]} for w in ("weekday", "weekdays")},
    **{w: {"FREQ": "WEEKLY", "BYDAY": [(0, 5), (0, 6)]} for w in ("weekend", "weekends")},
}
_EVERY_N = r"([0-9]{1,9}) ?(d|days?|w|weeks?|m|months?|y|years?)"
_EVERY_OTHER = r"other (day|week|month|year)"
_WEEKS_ON = r"(?:([0-9]{1,9}) ?(?:w|weeks?)|other week) on (.+)"
_LIST_SEP = r" ?, ?| and | "


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _unreadable(text: str, why: str = "") -> InvalidInput:
    return InvalidInput(
        f"cannot read the recurrence rule {_shown(text)}" + (f": {why}" if why else ""),
        hint=RULE_FORMS,
    )


# --- parsing -------------------------------------------------------------------------------


def parse_rule(text: str, *, anchor: date | None = None) -> str:
    """What the user typed -> a normalized RRULE body (no ``RRULE:`` prefix).

    Accepted: ``daily``/``day``, ``weekly``/``week``, ``monthly``/``month``,
    ``yearly``/``year``/``annually``, ``fortnightly``, ``quarterly``, ``2d``, ``2w``, ``3m``,
    ``1y``, ``2 days``, ``every 2 weeks``, ``every other week``, ``weekday(s)``,
    ``weekend(s)``, weekdays ``fri``, ``mon,thu``, ``tue and fri``, ``every 2 weeks on mon``,
    and a raw rule ``RRULE:FREQ=MONTHLY;BYMONTHDAY=15`` (or without the prefix).

    A raw rule that never produces a date is refused; ``anchor`` (the series' first day),
    if given, is used for that check, so one that cannot happen from there is refused too.
    """
    parts = rule_parts(text)
    body = format_rule(parts)
    if _is_raw(text):
        from dateutil.rrule import rrulestr

        try:  # dateutil must read the rule we store
            rrulestr("RRULE:" + body, dtstart=datetime(2000, 1, 1))
        except (ValueError, TypeError) as exc:
            raise _unreadable(text, str(exc)) from None
        # Without an anchor, any start will do with INTERVAL=1: the days a rule matches repeat
        # every 400 years. 1998 makes first_after look exactly one cycle ahead (the least work).
        start = datetime.combine(anchor or date(1998, 1, 1), time(0))
        checked = parts if anchor else {**parts, "INTERVAL": 1}
        if first_after(checked, start, start - timedelta(seconds=1), None) is None:
            raise _unreadable(text, "it never produces a date")
    return body


def _is_raw(text: str) -> bool:
    head = text.strip().upper()
    return head.startswith(("RRULE:", "FREQ=")) or "=" in head


def rule_parts(text: str) -> dict[str, Any]:
    """The rule's parts: FREQ str, INTERVAL int, int lists, BYDAY [(n, weekday)], WKST int."""
    if not isinstance(text, str) or re.search(_CONTROL, text) or len(text) > _MAX_LEN:
        raise _unreadable(text if isinstance(text, str) else repr(text))
    if _is_raw(text):
        return _parse_raw(text)
    parts = _parse_simple(" ".join(text.lower().split()))
    if parts is None:
        raise _unreadable(text)
    interval = parts.get("INTERVAL", 1)
    if not 1 <= interval <= MAX_INTERVAL:
        raise _unreadable(text, f"the interval must be 1 to {MAX_INTERVAL}")
    return parts


def _parse_simple(s: str) -> dict[str, Any] | None:
    s = s.removeprefix("every ")
    if s in _WORDS:
        return {k: list(v) if isinstance(v, list) else v for k, v in _WORDS[s].items()}
    if m := re.fullmatch(_EVERY_N, s):
        return {"FREQ": _UNITS[m[2][0]], "INTERVAL": int(m[1])}
    if m := re.fullmatch(_EVERY_OTHER, s):
        return {"FREQ": _UNITS[m[1][0]], "INTERVAL": 2}
    interval = 1
    if m := re.fullmatch(_WEEKS_ON, s):
        interval, s = int(m[1] or 2), m[2]
    days = _weekday_list(s.removeprefix("on "))
    if days is None:
        return None
    return {"FREQ": "WEEKLY", "INTERVAL": interval, "BYDAY": [(0, d) for d in days]}


def _weekday_list(s: str) -> list[int] | None:
    """``mon,thu``, ``mon, thu``, ``tue and fri``, ``mondays`` -> sorted weekday numbers."""
    days: set[int] = set()
    for word in re.split(_LIST_SEP, s):
        if not word:
            continue
        name = word if word in WEEKDAYS else word.removesuffix("s")
        if name not in WEEKDAYS:
            return None
        days.add(WEEKDAYS[name])
    return sorted(days) or None


_BYDAY_ITEM = r"([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)"
_INT_ITEM = r"[+-]?[0-9]{1,3}"


def _parse_raw(text: str) -> dict[str, Any]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    parts: dict[str, Any] = {}
    for item in body.split(";"):
        if not item.strip():
            continue
        name, eq, value = item.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not eq or not name or not value:
            raise _unreadable(text, f"{item.strip()!r} is not NAME=VALUE")
        if name in parts:
            raise _unreadable(text, f"{name} is given twice")
        if name in ("COUNT", "UNTIL", "DTSTART"):
            raise InvalidInput(
                f"{name} is not allowed inside a recurrence rule",
                hint="use --until or --count instead",
            )
        parts[name] = _parse_value(text, name, value)
    if "FREQ" not in parts:
        raise _unreadable(text, "FREQ is missing")
    _check_combination(text, parts)
    return parts


def _parse_value(text: str, name: str, value: str) -> Any:
    if name == "FREQ":
        if value in ("HOURLY", "MINUTELY", "SECONDLY"):
            raise _unreadable(text, "rules repeat at most daily (the time comes from the due time)")
        if value not in FREQS:
            raise _unreadable(text, f"FREQ={value} is not one of {', '.join(FREQS)}")
        return value
    if name == "INTERVAL":
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_INTERVAL:
            raise _unreadable(text, f"INTERVAL must be 1 to {MAX_INTERVAL}")
        return int(value)
    if name == "WKST":
        if value not in _DAYS:
            raise _unreadable(text, f"WKST={value} is not a weekday (MO..SU)")
        return _DAYS.index(value)
    if name == "BYDAY":
        days = set()
        for item in value.split(","):
            m = re.fullmatch(_BYDAY_ITEM, item.strip())
            n = int(m[1]) if m and m[1] else 0
            if not m or (m[1] and not 1 <= abs(n) <= 53):
                raise _unreadable(text, f"BYDAY={value} is not a list like MO,TH or 1MO,-1FR")
            days.add((n, _DAYS.index(m[2])))
        return sorted(days, key=lambda d: (d[1], d[0]))
    if name in _INT_PARTS:
        low, high = _INT_PARTS[name]
        numbers = set()
        for item in value.split(","):
            n = int(item) if re.fullmatch(_INT_ITEM, item.strip()) else 0
            if n == 0 or not low <= n <= high:
                raise _unreadable(
                    text, f"{name}={value}: each value must be {low} to {high}, not 0"
                )
            numbers.add(n)
        return sorted(numbers)
    if name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        raise _unreadable(text, f"{name} is not supported (the time comes from the due time)")
    raise _unreadable(text, f"unknown part {name}")


def _check_combination(text: str, parts: dict[str, Any]) -> None:
    """The RFC 5545 rules on which parts go with which FREQ."""
    freq = parts["FREQ"]
    if "BYWEEKNO" in parts and freq != "YEARLY":
        raise _unreadable(text, "BYWEEKNO needs FREQ=YEARLY")
    if "BYYEARDAY" in parts and freq != "YEARLY":
        raise _unreadable(text, "BYYEARDAY needs FREQ=YEARLY")
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        raise _unreadable(text, "BYMONTHDAY does not go with FREQ=WEEKLY")
    if any(n for n, _ in parts.get("BYDAY", ())):
        if freq not in ("MONTHLY", "YEARLY") or (freq == "YEARLY" and "BYWEEKNO" in parts):
            raise _unreadable(text, "numbered weekdays (1MO, -1FR) need FREQ=MONTHLY or YEARLY")
        if freq == "MONTHLY" and any(abs(n) > 5 for n, _ in parts["BYDAY"]):
            raise _unreadable(text, "a month has at most 5 of each weekday")
    if "BYSETPOS" in parts and not (parts.keys() - {"FREQ", "INTERVAL", "WKST", "BYSETPOS"}):
        raise _unreadable(text, "BYSETPOS needs another BY part")


def format_rule(parts: dict[str, Any]) -> str:
    """A rule's parts as the rule minicrm stores (without ``RRULE:``), in a fixed order."""
    out = []
    for name in _ORDER:
        if name not in parts or (name == "INTERVAL" and parts[name] == 1):
            continue
        if name == "WKST" and parts[name] == 0:
            continue  # MO is the default
        value = parts[name]
        if name == "BYDAY":
            text = ",".join(f"{n or ''}{_DAYS[d]}" for n, d in value)
        elif name == "WKST":
            text = _DAYS[value]
        elif isinstance(value, list):
            text = ",".join(str(n) for n in value)
        else:
            text = str(value)
        out.append(f"{name}={text}")
    return ";".join(out)


# --- occurrences ---------------------------------------------------------------------------


def next_occurrence(
    rule: str, *, anchor: datetime, after: datetime, until: date | None = None
) -> datetime | None:
    """The first occurrence strictly after ``after`` of the series that starts at ``anchor``.

    ``anchor`` and ``after`` are naive local wall-clock datetimes (00:00 for all-day). None
    when the series has none left: the next would fall after ``until`` (inclusive: one on
    the ``until`` day still counts), or the rule produces none within 400 years.

    A monthly rule from the 29th-31st falls on the last day of shorter months (Jan 31 ->
    Feb 28 -> Mar 31 -> Apr 30), and a yearly one from Feb 29 on Feb 28 in common years.
    """
    if anchor.tzinfo is not None or after.tzinfo is not None:
        raise ValueError("next_occurrence works on naive local wall-clock datetimes")
    return first_after(rule_parts(rule), anchor, after, until)


def describe(rule: str) -> str:
    """``every day``, ``every 2 weeks``, ``every weekday``, ``every Mon, Thu``,
    ``every 3 months``, ``every month on the 15th``; else ``RRULE:`` and the rule."""
    try:
        parts = rule_parts(rule)
    except InvalidInput:
        return "RRULE:" + rule
    freq, n = parts["FREQ"], parts.get("INTERVAL", 1)
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}[freq]
    every = f"every {unit}" if n == 1 else f"every {n} {unit}s"
    rest = parts.keys() - {"FREQ", "INTERVAL"}
    if not rest:
        return every
    if rest == {"BYDAY"} and freq == "WEEKLY" and not any(k for k, _ in parts["BYDAY"]):
        days = [d for _, d in parts["BYDAY"]]
        names = "weekday" if days == [0, 1, 2, 3, 4] else ", ".join(_DAY_NAMES[d] for d in days)
        if n == 1:
            return f"every {names}"
        return f"{every} on {'weekdays' if names == 'weekday' else names}"
    if rest == {"BYMONTHDAY"} and freq == "MONTHLY" and len(parts["BYMONTHDAY"]) == 1:
        day = parts["BYMONTHDAY"][0]
        if day == -1:
            return f"{every} on the last day"
        if day > 0:
            return f"{every} on the {_ordinal(day)}"
    return "RRULE:" + format_rule(parts)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- RFC 5545 -----------------------------------------------------------------------------


def schedule(
    rule: str,
    *,
    anchor: datetime,
    first: datetime,
    until: date | None = None,
    count: int | None = None,
    limit: int = 12,
) -> list[datetime]:
    """minicrm's own schedule after the occurrence due at ``first``: the next occurrences
    as ``complete`` schedules them one after the other (each the first of the series from
    ``anchor`` after the one before), at most ``limit``. ``count`` is how many occurrences
    are left counting ``first`` itself (None: no count); ``until`` is inclusive."""
    out: list[datetime] = []
    after = first
    left = None if count is None else count - 1
    while len(out) < limit and (left is None or len(out) < left):
        nxt = next_occurrence(rule, anchor=anchor, after=after, until=until)
        if nxt is None:
            break
        out.append(nxt)
        after = nxt
    return out
