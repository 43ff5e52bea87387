"""iCalendar export: follow-ups as VTODOs, yearly dates as VEVENTs, read back with icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from minicrm.activity.models import FollowUp, Recurrence
from minicrm.contacts.models import Contact
from minicrm.core.models import Ref
from minicrm.interchange.formats.ics import PRODID, to_ics, yearly_start

NOW = "2026-11-22T09:30:00Z"
JANE = Contact(id=1, uid="c-jane", name="Jane Doe")


def followup(**kwargs) -> FollowUp:
    base = {
        "id": 1,
        "uid": "f-1",
        "title": "Call Jane",
        "due_date": "2026-12-01",
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-02T11:00:00Z",
    }
    return FollowUp(**(base | kwargs))


def calendar(followups=(), birthdays=()) -> Calendar:
    text = to_ics(followups, birthdays, now_stamp=NOW)
    assert isinstance(text, str)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    return Calendar.from_ical(text)


def todos(cal: Calendar) -> dict[str, object]:
    return {str(t["uid"]): t for t in cal.walk("VTODO")}


def test_calendar_header():
    cal = calendar()
    assert str(cal["prodid"]) == PRODID
    assert str(cal["version"]) == "2.0"
    assert cal.walk("VTODO") == [] and cal.walk("VEVENT") == []


def test_one_vtodo_per_followup():
    cal = calendar(
        [
            followup(),
            followup(id=2, uid="f-2", title="Send deck", priority="high", due_time="09:00"),
            followup(id=3, uid="f-3", title="Maybe", priority="low"),
        ]
    )
    found = todos(cal)
    assert set(found) == {"f-1@minicrm", "f-2@minicrm", "f-3@minicrm"}
    first = found["f-1@minicrm"]
    assert str(first["summary"]) == "Call Jane"
    assert str(first["status"]) == "NEEDS-ACTION"
    assert int(first["priority"]) == 5
    assert int(found["f-2@minicrm"]["priority"]) == 1
    assert int(found["f-3@minicrm"]["priority"]) == 9
    assert [str(c) for c in first["categories"].cats] == ["minicrm"]
    assert first.decoded("dtstamp") == datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    assert first.decoded("created") == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    assert first.decoded("last-modified") == datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
    assert "rrule" not in first and "dtstart" not in first


def test_uid_is_stable():
    a = to_ics([followup()], [(JANE, "birthday", "1990-05-17")], now_stamp=NOW)
    b = to_ics([followup()], [(JANE, "birthday", "1990-05-17")], now_stamp="2027-01-01T00:00:00Z")
    assert a.replace("20261122T093000Z", "20270101T000000Z") == b


def test_all_day_due_is_a_date():
    text = to_ics([followup()], [], now_stamp=NOW)
    assert "DUE;VALUE=DATE:20261201" in text
    (todo,) = Calendar.from_ical(text).walk("VTODO")
    due = todo.decoded("due")
    assert due == date(2026, 12, 1) and not isinstance(due, datetime)


def test_timed_due_is_floating():
    text = to_ics([followup(due_time="09:00")], [], now_stamp=NOW)
    assert "DUE:20261201T090000\r\n" in text  # no Z, no TZID
    assert "TZID" not in text and "VTIMEZONE" not in text
    (todo,) = Calendar.from_ical(text).walk("VTODO")
    due = todo.decoded("due")
    assert due == datetime(2026, 12, 1, 9, 0)
    assert due.tzinfo is None


def test_description_has_notes_and_contact():
    cal = calendar(
        [
            followup(notes="Bring the contract", contact=Ref(1, "c-jane", "Jane Doe")),
            followup(id=2, uid="f-2", contact=Ref(1, "c-jane", "Jane Doe")),
            followup(id=3, uid="f-3"),
        ]
    )
    found = todos(cal)
    assert str(found["f-1@minicrm"]["description"]) == "Bring the contract\n\nContact: Jane Doe"
    assert str(found["f-2@minicrm"]["description"]) == "Contact: Jane Doe"
    assert "description" not in found["f-3@minicrm"]


def test_hostile_text_survives():
    title = 'Call, "her"; now\\ \n second line\ttab — ü 日本 😀 ' + "x" * 100
    notes = "a,b;c:d\\e\r\nBEGIN:VEVENT\nEND:VCALENDAR"
    name = 'O\'Brien; Jr., "Bob"\nX-INJECT:1'
    cal = calendar([followup(title=title, notes=notes, contact=Ref(2, "c2", name))])
    (todo,) = cal.walk("VTODO")
    assert str(todo["summary"]) == title
    assert str(todo["description"]) == (
        "a,b;c:d\\e\nBEGIN:VEVENT\nEND:VCALENDAR" + f"\n\nContact: {name}"
    )
    assert cal.walk("VEVENT") == []
    assert "X-INJECT" not in todo


def test_control_characters_are_dropped():
    (todo,) = calendar([followup(title="bell\x07 esc\x1b[31m")]).walk("VTODO")
    assert str(todo["summary"]) == "bell esc[31m"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("open", "NEEDS-ACTION"), ("done", "COMPLETED"), ("cancelled", "CANCELLED")],
)
def test_status(status, expected):
    f = followup(status=status, completed_at="2026-11-20T08:00:00Z" if status == "done" else None)
    (todo,) = calendar([f]).walk("VTODO")
    assert str(todo["status"]) == expected
    if status == "done":
        assert todo.decoded("completed") == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_repeating_followup():
    rec = Recurrence("FREQ=WEEKLY;INTERVAL=2", "every 2 weeks")
    (todo,) = calendar([followup(recurrence=rec)]).walk("VTODO")
    rrule = todo["rrule"]
    assert rrule["FREQ"] == ["WEEKLY"] and rrule["INTERVAL"] == [2]
    assert rrule["BYDAY"] == ["TU"]  # what RFC 5545 would take from DTSTART, spelled out
    assert "UNTIL" not in rrule and "COUNT" not in rrule
    assert todo.decoded("due") == date(2026, 12, 1)
    assert "dtstart" not in todo  # issue 18: clients expect DUE after DTSTART, or none


def test_repeating_with_byday():
    rec = Recurrence("FREQ=WEEKLY;BYDAY=MO,TH", "every Mon and Thu")
    text = to_ics([followup(recurrence=rec)], [], now_stamp=NOW)
    (todo,) = Calendar.from_ical(text).walk("VTODO")
    assert todo["rrule"]["BYDAY"] == ["MO", "TH"]


def test_until_is_a_date_for_all_day():
    rec = Recurrence("FREQ=MONTHLY", "monthly", until="2027-06-30")
    (todo,) = calendar([followup(recurrence=rec)]).walk("VTODO")
    until = todo["rrule"]["UNTIL"][0]
    assert until == date(2027, 6, 30) and not isinstance(until, datetime)


def test_until_is_floating_the_last_occurrence_for_timed():
    rec = Recurrence("FREQ=DAILY", "daily", until="2026-12-10")
    text = to_ics([followup(recurrence=rec, due_time="09:00")], [], now_stamp=NOW)
    assert "UNTIL=20261210T090000" in text
    (todo,) = Calendar.from_ical(text).walk("VTODO")
    until = todo["rrule"]["UNTIL"][0]
    assert until == datetime(2026, 12, 10, 9, 0) and until.tzinfo is None
    assert todo.decoded("due") == datetime(2026, 12, 1, 9, 0) and "dtstart" not in todo


def test_count_is_what_is_left_of_the_series():
    rec = Recurrence("FREQ=WEEKLY", "weekly", count=6)
    (todo,) = calendar([followup(recurrence=rec, occurrence=4)]).walk("VTODO")
    assert todo["rrule"]["COUNT"] == [3]  # occurrences 4, 5 and 6


@pytest.mark.parametrize(
    ("until", "count", "expected"),
    [
        ("2026-12-15", 10, "UNTIL"),  # 3 weekly occurrences before the until: it ends first
        ("2027-12-31", 3, "COUNT"),  # the count ends it first
    ],
)
def test_count_and_until_give_the_one_that_ends_first(until, count, expected):
    rec = Recurrence("FREQ=WEEKLY", "weekly", until=until, count=count)
    (todo,) = calendar([followup(recurrence=rec)]).walk("VTODO")
    assert set(todo["rrule"]) & {"UNTIL", "COUNT"} == {expected}


# -- yearly dates --------------------------------------------------------------------------


def test_birthdays_are_yearly_all_day_events():
    bob = Contact(id=2, uid="c-bob", name="Bob")
    cal = calendar(
        birthdays=[
            (JANE, "birthday", "1990-05-17"),
            (bob, "birthday", "--07-04"),
            (JANE, "anniversary", "2015-06-20"),
        ]
    )
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {
        "c-jane-birthday@minicrm",
        "c-bob-birthday@minicrm",
        "c-jane-anniversary@minicrm",
    }
    jane = events["c-jane-birthday@minicrm"]
    assert str(jane["summary"]) == "Jane Doe's birthday"
    assert jane.decoded("dtstart") == date(1990, 5, 17)
    assert not isinstance(jane.decoded("dtstart"), datetime)
    assert jane["rrule"]["FREQ"] == ["YEARLY"]
    assert str(jane["transp"]) == "TRANSPARENT"
    assert jane.decoded("dtstamp") == datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    assert events["c-bob-birthday@minicrm"].decoded("dtstart") == date(1970, 7, 4)
    assert str(events["c-jane-anniversary@minicrm"]["summary"]) == "Jane Doe: anniversary"
    text = to_ics([], [(JANE, "birthday", "1990-05-17")], now_stamp=NOW)
    assert "DTSTART;VALUE=DATE:19900517" in text


def test_leap_day_repeats_on_the_last_day_of_february():
    cal = calendar(birthdays=[(JANE, "birthday", "--02-29")])
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == date(1972, 2, 29)
    rrule = event["rrule"]
    assert rrule["FREQ"] == ["YEARLY"]
    assert rrule["BYMONTH"] == [2] and rrule["BYMONTHDAY"] == [-1]


def test_two_dates_with_one_label_get_distinct_uids():
    cal = calendar(
        birthdays=[(JANE, "anniversary", "2015-06-20"), (JANE, "anniversary", "--01-02")]
    )
    uids = sorted(str(e["uid"]) for e in cal.walk("VEVENT"))
    assert uids == ["c-jane-anniversary-2@minicrm", "c-jane-anniversary@minicrm"]


def test_hostile_contact_name_in_birthday():
    odd = Contact(id=3, uid="c-odd", name='Zoë "Z", O\'Neil; 😀')
    (event,) = calendar(birthdays=[(odd, "birthday", "--12-24")]).walk("VEVENT")
    assert str(event["summary"]) == "Zoë \"Z\", O'Neil; 😀's birthday"


def test_unreadable_date_is_left_out():
    assert calendar(birthdays=[(JANE, "birthday", "someday")]).walk("VEVENT") == []


@pytest.mark.parametrize(
    ("value", "start"),
    [
        ("1990-05-17", (date(1990, 5, 17), False)),
        ("--05-17", (date(1970, 5, 17), False)),
        ("--02-29", (date(1972, 2, 29), True)),
        ("1992-02-29", (date(1992, 2, 29), True)),
        ("--02-30", None),
        ("17 May", None),
    ],
)
def test_yearly_start(value, start):
    assert yearly_start(value) == start


def test_bad_now_stamp():
    with pytest.raises(ValueError):
        to_ics([], [], now_stamp="yesterday")
