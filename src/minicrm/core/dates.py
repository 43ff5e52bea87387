"""Local time, the UTC stamps that are stored, and the names of months and weekdays.
Reading the dates people type is :mod:`minicrm.core.dateparse`.

The only reads of the current time go through :func:`minicrm.core.clock.now`.

Local time is the zone named by the ``TZ`` environment variable, else the system zone
(:func:`local_zone`). Wall-clock times that do not exist (the hour skipped when clocks go
forward) are moved forward by the size of the gap (02:30 -> 03:30); wall-clock times that
happen twice (the hour repeated when clocks go back) mean the first one (``fold=0``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from minicrm.core import clock
from minicrm.core.errors import InvalidInput

MIN_YEAR = 1900


MAX_YEAR = 2200


@dataclass(frozen=True)
class When:
    """A day, and optionally a local wall-clock time on it (minute precision, naive).

    ``time`` None means the whole day. Seconds and microseconds are dropped.
    """

    day: date
    time: _dt.time | None = None

    def __post_init__(self) -> None:
        if isinstance(self.day, datetime) or not isinstance(self.day, date):
            raise TypeError(f"When.day must be a date, not {type(self.day).__name__}")
        if self.time is not None:
            if not isinstance(self.time, _dt.time):
                raise TypeError(f"When.time must be a time, not {type(self.time).__name__}")
            if self.time.tzinfo is not None:
                raise ValueError("When.time is a naive local wall-clock time")
            if self.time.second or self.time.microsecond or self.time.fold:
                object.__setattr__(self, "time", self.time.replace(second=0, microsecond=0, fold=0))

    def iso(self) -> str:
        """``2026-12-04`` or ``2026-12-04T09:00``."""
        if self.time is None:
            return self.day.isoformat()
        return f"{self.day.isoformat()}T{self.time.hour:02d}:{self.time.minute:02d}"

    def naive(self) -> datetime:
        """The naive local datetime: the day at its time, or at 00:00 for a whole day."""
        return datetime.combine(self.day, self.time or time(0, 0))


_zones: dict[str | None, tzinfo] = {}


_pinned: tzinfo | None = None  # set by zone_pinned(): the zone of a whole computation


def local_zone() -> tzinfo:
    """The local zone, with its DST rules: ``$TZ`` if set (``Europe/Berlin``, a POSIX TZ
    string, ...), else the system zone (``/etc/localtime``), else ``dateutil.tz.tzlocal()``.

    Looked up once per value of ``$TZ``; inside :func:`zone_pinned`, ``$TZ`` is not read
    again at all."""
    if _pinned is not None:
        return _pinned
    key = os.environ.get("TZ")
    zone = _zones.get(key)
    if zone is None:
        zone = _load_zone(key)
        if len(_zones) > 16:
            _zones.clear()
        _zones[key] = zone
    return zone


@contextlib.contextmanager
def zone_pinned() -> Iterator[tzinfo]:
    """Read the local zone once for the block: every :func:`local_zone` (so every
    :func:`local_date` and :func:`local_datetime`) inside it uses that zone without
    reading ``$TZ`` again. Reading the environment is a third of a ``local_date`` call,
    and stats converts ~200,000 stamps at 100k contacts. Nested blocks keep the outer zone."""
    global _pinned
    if _pinned is not None:
        yield _pinned
        return
    _pinned = local_zone()
    try:
        yield _pinned
    finally:
        _pinned = None


def _load_zone(key: str | None) -> tzinfo:
    """The IANA zone through the standard library's ``zoneinfo`` (much cheaper to import than
    ``dateutil.tz``); dateutil only for what zoneinfo cannot read (POSIX TZ strings such
    as ``CET-1CEST,M3.5.0,M10.5.0/3``) or when the system zone is unknown."""
    import zoneinfo

    try:
        if key is None:
            with open("/etc/localtime", "rb") as system_zone:
                return zoneinfo.ZoneInfo.from_file(system_zone, key="localtime")
        return zoneinfo.ZoneInfo(key.removeprefix(":"))
    except (OSError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        pass
    from dateutil import tz

    try:
        zone = tz.gettz(key or None)
    except Exception:  # a TZ value gettz refuses (a path outside TZPATH, say): use the system's
        zone = None
    return zone if zone is not None else tz.tzlocal()


def _localize(naive: datetime, zone: tzinfo) -> datetime:
    """``naive`` as an aware datetime in ``zone``: the first of two (fold=0), and a wall time
    that does not exist is moved forward by the gap (02:30 on a spring-forward day -> 03:30),
    as ``dateutil.tz.resolve_imaginary`` does."""
    moment = naive.replace(tzinfo=zone, fold=0)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        return moment
    day = timedelta(days=1)
    after, before = (moment + day).utcoffset(), (moment - day).utcoffset()
    assert after is not None and before is not None
    return moment + (after - before)


def local_now(on: When | None = None) -> datetime:
    """Now as an aware datetime in :func:`local_zone`.

    With ``on``: that day at ``on.time``, or at the current local time of day when it has no
    time (so ``--on 2026-12-02`` keeps "now" on that day). See the module docstring for
    times that do not exist or happen twice.
    """
    zone = local_zone()
    current = clock.now().astimezone(zone)
    if on is None:
        return current
    at = on.time if on.time is not None else current.time()
    return _localize(datetime.combine(on.day, at), zone)


def today(on: When | None = None) -> date:
    """The local date (of ``on``, if given)."""
    return local_now(on).date()


def to_utc_stamp(when: When, zone: tzinfo | None = None) -> str:
    """The instant of ``when`` as a stored UTC stamp, ``YYYY-MM-DDTHH:MM:SSZ``.

    A time is local wall-clock time in ``zone`` (default: :func:`local_zone`); a whole day
    stands for local noon, which exists on every day and is the same date in nearly every
    zone's UTC.
    """
    naive = datetime.combine(when.day, when.time if when.time is not None else time(12, 0))
    moment = _localize(naive, zone or local_zone()).astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def _parse_stamp(stamp: str) -> datetime:
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        raise ValueError(f"not a UTC stamp: {stamp!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"not a UTC stamp (no zone): {stamp!r}")
    return moment


def local_datetime(stamp: str, zone: tzinfo | None = None) -> datetime:
    """A stored stamp (``2026-11-22T09:30:00Z``) as an aware datetime in local time."""
    return _parse_stamp(stamp).astimezone(zone or local_zone())


def local_date(stamp: str, zone: tzinfo | None = None) -> date:
    """A stored stamp as the local calendar date."""
    return local_datetime(stamp, zone).date()


MAX_DAYS_AHEAD = 365


def window_end(today: date, days: int, option: str = "--days") -> date:
    """The last day of "the next ``days`` days": today and the ``days`` days after it
    (``--days 7`` on a Wednesday runs to the next Wednesday; ``--days 0`` is today only).
    The one definition for agenda, birthdays, the digest and its deals; ``days`` must be 0
    to :data:`MAX_DAYS_AHEAD`."""
    if not 0 <= days <= MAX_DAYS_AHEAD:
        raise InvalidInput(f"{option} {days} is out of range", hint=f"0 to {MAX_DAYS_AHEAD}")
    return today + timedelta(days=days)


def days_between(a: date, b: date) -> int:
    """``b - a`` in days (positive when ``b`` is later)."""
    return (b - a).days


def humanize_days(n: int) -> str:
    """0 -> ``today``, 1 -> ``tomorrow``, -1 -> ``yesterday``, 3 -> ``in 3 days``,
    -3 -> ``3 days ago``."""
    if n == 0:
        return "today"
    if n == 1:
        return "tomorrow"
    if n == -1:
        return "yesterday"
    return f"in {n} days" if n > 0 else f"{-n} days ago"


def humanize_overdue(days: int, minutes: int | None, timed: bool) -> str:
    """How late a follow-up is, or when it is due: ``2 h overdue`` and ``6 min overdue`` for
    a timed one less than a day late, ``3 days overdue`` beyond (and for a whole day), ``due
    now`` at its very minute; otherwise :func:`humanize_days` of when it falls due."""
    if minutes is None:
        return humanize_days(-days)
    if timed and minutes < 24 * 60:
        if minutes == 0:
            return "due now"
        if minutes < 60:
            return f"{minutes} min overdue"
        if (hours := (minutes + 30) // 60) < 24:
            return f"{hours} h overdue"
    late = max(days, 1)
    return f"{late} day{'s' if late != 1 else ''} overdue"


MONTHS = {  # month names and abbreviations -> 1..12 (shared with validate)
    name: index
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


WEEKDAYS = {  # weekday names and abbreviations -> 0..6, Monday first
    name: index
    for index, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
