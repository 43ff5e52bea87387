"""icalendar 7.3 + dateutil, as measured for docs/interop.md ("Recurrence"): how an RRULE
written by icalendar expands, so that minicrm's schedule can be said in RFC 5545."""

from __future__ import annotations

from datetime import datetime

import icalendar
import pytest
from dateutil.rrule import rrulestr


def expand(rule: str, start: datetime, n: int = 6) -> tuple[str, list[str]]:
    """The RRULE as icalendar parses and writes it, and its first n dates by dateutil."""
    written = icalendar.vRecur.from_ical(rule).to_ical().decode()
    return written, [d.date().isoformat() for d in list(rrulestr(written, dtstart=start))[:n]]


@pytest.mark.parametrize(
    ("rule", "start", "written", "dates"),
    [
        (  # RFC 5545: a month without the 31st has no occurrence
            "FREQ=MONTHLY", datetime(2027, 1, 31), "FREQ=MONTHLY",
            ["2027-01-31", "2027-03-31", "2027-05-31", "2027-07-31", "2027-08-31", "2027-10-31"],
        ),
        (  # the last day of every month
            "FREQ=MONTHLY;BYMONTHDAY=-1", datetime(2027, 1, 31), "FREQ=MONTHLY;BYMONTHDAY=-1",
            ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30"],
        ),
        (  # the 30th, or the month's last day when it has none
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1", datetime(2027, 1, 30),
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1",
            ["2027-01-30", "2027-02-28", "2027-03-30", "2027-04-30", "2027-05-30", "2027-06-30"],
        ),
        (  # icalendar writes the parts in its own order
            "FREQ=MONTHLY;BYSETPOS=-1;BYMONTHDAY=28,29,30", datetime(2027, 1, 30),
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1",
            ["2027-01-30", "2027-02-28", "2027-03-30", "2027-04-30", "2027-05-30", "2027-06-30"],
        ),
        (  # without the 28th in the set, a February has no candidate and is skipped
            "FREQ=MONTHLY;BYMONTHDAY=29,30,31;BYSETPOS=-1", datetime(2027, 1, 31),
            "FREQ=MONTHLY;BYMONTHDAY=29,30,31;BYSETPOS=-1",
            ["2027-01-31", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30", "2027-07-31"],
        ),
        (
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1", datetime(2026, 11, 30),
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1",
            ["2026-11-30", "2027-02-28", "2027-05-31", "2027-08-31", "2027-11-30", "2028-02-29"],
        ),
        (  # Feb 29 yearly: leap years only
            "FREQ=YEARLY", datetime(2028, 2, 29), "FREQ=YEARLY",
            ["2028-02-29", "2032-02-29", "2036-02-29", "2040-02-29", "2044-02-29", "2048-02-29"],
        ),
        (
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", datetime(2028, 2, 29),
            "FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=2",
            ["2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29", "2033-02-28"],
        ),
    ],
)  # fmt: skip
def test_how_an_rrule_expands(rule: str, start: datetime, written: str, dates: list[str]):
    assert expand(rule, start) == (written, dates)


def test_a_vtodo_rrule_read_by_icalendar_expands_from_its_floating_due():
    cal = icalendar.Calendar.from_ical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:u\r\n"
        "DTSTAMP:20261101T000000Z\r\nDUE:20270130T100000\r\n"
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
    todo = cal.walk("VTODO")[0]
    due = todo.decoded("DUE")
    assert due == datetime(2027, 1, 30, 10, 0) and due.tzinfo is None
    rule = todo["RRULE"].to_ical().decode()
    assert [d.isoformat() for d in list(rrulestr(rule, dtstart=due))[:3]] == [
        "2027-01-30T10:00:00",
        "2027-02-28T10:00:00",
        "2027-03-30T10:00:00",
    ]
