"""minicrm capture calendar: .ics files and vdirs; past meetings logged once per
occurrence (UID + RECURRENCE-ID), recurrences expanded up to now, exceptions, time zones,
declined and cancelled events skipped, upcoming ones shown by agenda (issue 20).

The clock is frozen at 2026-11-22 09:30 UTC (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailgen import BERLIN_TZ, ics, vevent

ME = "me@example.org"


@pytest.fixture(autouse=True)
def me(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(f'[me]\nemails = ["{ME}"]\n')


@pytest.fixture
def people(contact_factory):
    return (
        contact_factory("Jane Doe", "--email", "jane@acme.io"),
        contact_factory("Bob Stone", "--email", "bob@stone.example"),
    )


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def capture(run, *args: str) -> dict:
    return run.json("capture", "calendar", *args)


def test_a_past_meeting_with_a_contact_is_logged_once(run, tmp_path, people):
    cal = write(
        tmp_path / "vdir",
        "one.ics",
        ics(
            vevent(
                "m1",
                "DTSTART:20261120T140000Z",
                "DTEND:20261120T150000Z",
                summary="Kick-off",
                organizer=ME,
                attendees=["JANE@acme.io", "stranger@x.example"],
            )
        ),
    )
    result = capture(run, str(cal.parent))
    assert result["counts"]["logged"] == 1
    item = result["items"][0]
    assert (item["key"], item["title"], item["occurred_at"], item["kind"]) == (
        "ics:m1",
        "Kick-off",
        "2026-11-20T14:00:00Z",
        "meeting",
    )
    assert [c["name"] for c in item["contacts"]] == ["Jane Doe"]
    assert run.json("show", "jane")["last_contacted_at"] == "2026-11-20T14:00:00Z"
    again = capture(run, str(cal))
    assert again["counts"]["logged"] == 0 and again["counts"]["duplicates"] == 1


def test_recurrences_are_expanded_up_to_now_with_exceptions_and_zones(run, tmp_path, people):
    series = vevent(
        "weekly",
        "DTSTART;TZID=Europe/Berlin:20261019T100000",  # CEST, then CET from Oct 25
        "DTEND;TZID=Europe/Berlin:20261019T110000",
        summary="Weekly",
        attendees=["jane@acme.io"],
        extra=["RRULE:FREQ=WEEKLY;COUNT=10", "EXDATE;TZID=Europe/Berlin:20261102T100000"],
    )
    moved = vevent(
        "weekly",
        "DTSTART;TZID=Europe/Berlin:20261110T160000",
        "DTEND;TZID=Europe/Berlin:20261110T170000",
        summary="Weekly (moved)",
        attendees=["jane@acme.io"],
        extra=["RECURRENCE-ID;TZID=Europe/Berlin:20261109T100000"],
    )
    cancelled = vevent(
        "weekly",
        "DTSTART;TZID=Europe/Berlin:20261116T100000",
        summary="Weekly",
        attendees=["jane@acme.io"],
        extra=["RECURRENCE-ID;TZID=Europe/Berlin:20261116T100000", "STATUS:CANCELLED"],
    )
    write(tmp_path / "cal", "w.ics", ics(series, moved, cancelled, timezone=BERLIN_TZ))
    result = capture(run, str(tmp_path / "cal"))
    got = [(i["key"], i["occurred_at"], i["title"]) for i in result["items"]]
    assert got == [
        ("ics:weekly/20261019T080000Z", "2026-10-19T08:00:00Z", "Weekly"),
        ("ics:weekly/20261026T090000Z", "2026-10-26T09:00:00Z", "Weekly"),
        ("ics:weekly/20261109T090000Z", "2026-11-10T15:00:00Z", "Weekly (moved)"),
    ]
    assert result["counts"]["skipped"] == 1  # the cancelled one
    upcoming = [u["starts_at"] for u in result["upcoming"]]
    assert upcoming[:2] == ["2026-11-23T09:00:00Z", "2026-11-30T09:00:00Z"]
    assert len(upcoming) == 10 - 3 - 1 - 1  # 10, less the past three, EXDATE, cancelled


def test_declined_and_cancelled_events_are_skipped(run, tmp_path, people):
    write(
        tmp_path / "cal",
        "d.ics",
        ics(
            vevent(
                "i-declined",
                "DTSTART:20261118T100000Z",
                summary="Declined by me",
                organizer="jane@acme.io",
                attendees=[f"ATTENDEE;PARTSTAT=DECLINED:mailto:{ME}"],
            ),
            vevent(
                "jane-declined",
                "DTSTART:20261118T120000Z",
                summary="Jane declined",
                organizer=ME,
                attendees=[
                    "ATTENDEE;PARTSTAT=DECLINED:mailto:jane@acme.io",
                    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@stone.example",
                ],
            ),
            vevent(
                "off",
                "DTSTART:20261118T140000Z",
                summary="Off",
                attendees=["jane@acme.io"],
                extra=["STATUS:CANCELLED"],
            ),
        ),
    )
    result = capture(run, str(tmp_path / "cal"))
    assert result["counts"]["skipped"] == 2
    assert [(i["title"], [c["name"] for c in i["contacts"]]) for i in result["items"]] == [
        ("Jane declined", ["Bob Stone"])
    ]


def test_all_day_and_floating_events(run, tmp_path, people, berlin):
    write(
        tmp_path / "cal",
        "a.ics",
        ics(
            vevent(
                "day",
                "DTSTART;VALUE=DATE:20261117",
                summary="Offsite",
                attendees=["bob@stone.example"],
            ),
            vevent(
                "float",
                "DTSTART:20261118T090000",
                summary="Floating",
                attendees=["bob@stone.example"],
            ),
        ),
    )
    items = {i["title"]: i["occurred_at"] for i in capture(run, str(tmp_path / "cal"))["items"]}
    assert items == {"Offsite": "2026-11-17T11:00:00Z", "Floating": "2026-11-18T08:00:00Z"}


def test_upcoming_meetings_are_shown_by_agenda_not_logged(run, tmp_path, people):
    write(
        tmp_path / "cal",
        "f.ics",
        ics(
            vevent(
                "soon",
                "DTSTART:20261124T100000Z",
                "DTEND:20261124T110000Z",
                summary="Demo for Jane",
                attendees=["jane@acme.io"],
            )
        ),
    )
    result = capture(run, str(tmp_path / "cal"))
    assert result["counts"]["logged"] == 0 and result["counts"]["upcoming"] == 1
    agenda = run("agenda").stdout
    assert "Demo for Jane" in agenda and "Jane Doe" in agenda
    assert "Demo for Jane" not in run("agenda", "--days", "1").stdout
    assert run.json("agenda") == []  # the JSON array stays follow-ups only


def test_a_bad_file_is_counted_not_the_run(run, tmp_path, people):
    write(tmp_path / "cal", "bad.ics", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n")
    write(tmp_path / "cal", "deep.ics", "BEGIN:VCALENDAR\r\n" * 2000)
    write(
        tmp_path / "cal",
        "good.ics",
        ics(vevent("g", "DTSTART:20261120T100000Z", summary="Good", attendees=["jane@acme.io"])),
    )
    result = capture(run, str(tmp_path / "cal"))
    assert result["counts"]["logged"] == 1
    assert result["counts"]["bad"] >= 1


def test_an_endless_rule_is_bounded(run, tmp_path, people):
    write(
        tmp_path / "cal",
        "s.ics",
        ics(
            vevent(
                "fast",
                "DTSTART:19000101T000000Z",
                summary="Every minute",
                attendees=["jane@acme.io"],
                extra=["RRULE:FREQ=MINUTELY"],
            )
        ),
    )
    result = capture(run, str(tmp_path / "cal"), "--dry-run")
    assert 0 < result["counts"]["logged"] <= 5000


def test_dry_run_and_undo(run, tmp_path, people):
    write(
        tmp_path / "cal",
        "m.ics",
        ics(vevent("x", "DTSTART:20261120T100000Z", summary="X", attendees=["jane@acme.io"])),
    )
    assert capture(run, str(tmp_path / "cal"), "--dry-run")["counts"]["logged"] == 1
    assert run.json("notes", "jane") == []
    capture(run, str(tmp_path / "cal"))
    run("undo")
    assert run.json("notes", "jane") == []
    assert capture(run, str(tmp_path / "cal"))["counts"]["logged"] == 1


def test_missing_calendar_path(run, tmp_path):
    assert "no such file" in run("capture", "calendar", str(tmp_path / "x"), code=2).stderr
    assert "[capture]" in run("capture", "calendar", code=2).stderr


def test_a_long_series_keeps_its_latest_occurrences(run, tmp_path, people):
    write(
        tmp_path / "cal",
        "daily.ics",
        ics(
            vevent(
                "standup",
                "DTSTART:20100104T090000Z",
                "DTEND:20100104T091500Z",
                summary="Stand-up",
                attendees=["jane@acme.io"],
                extra=["RRULE:FREQ=DAILY"],
            )
        ),
    )
    result = capture(run, str(tmp_path / "cal"), "--dry-run")
    items = result["items"]
    assert len(items) + len(result["upcoming"]) == 5000  # the latest, up to a year ahead
    assert items[-1]["occurred_at"] == "2026-11-22T09:00:00Z"  # this morning's, not 2023's
