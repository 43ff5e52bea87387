"""Right answers in the daily loop (issue 15, "wrong or silent answers"): timed follow-ups
that are overdue from their time on, one meaning of "the next N days", `log` without a
text, `log --at`, `snooze`, wording of `untag`/`reopen`, a won deal's loose ends."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.usefixtures("berlin")

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def at(monkeypatch):
    """Set the frozen clock to a local (Berlin) wall-clock time, e.g. "2026-12-02 07:56"."""

    def set_clock(local: str) -> None:
        moment = datetime.fromisoformat(local).replace(tzinfo=BERLIN).astimezone(UTC)
        monkeypatch.setattr("minicrm.clock.now", lambda: moment)

    return set_clock


@pytest.fixture
def sam(run, at):
    at("2026-12-01 18:00")
    run("add", "Sam Lee", "--email", "sam@example.com")
    return "sam"


# -- 15.1 timed follow-ups are overdue from their time on --------------------------------


def test_a_timed_follow_up_is_overdue_from_its_time_on(run, at, sam):
    run("follow", "sam", "Call at 6", "--due", "2026-12-02", "--at", "06:00")
    run("follow", "sam", "All day", "--due", "2026-12-02")
    run("follow", "sam", "Call at 4pm", "--due", "2026-12-02", "--at", "16:00")
    at("2026-12-02 07:56")
    due = run.json("due")
    assert [d["title"] for d in due] == ["Call at 6", "All day", "Call at 4pm"]
    first, all_day, later = due
    assert first["overdue"] is True and first["overdue_since"] == "2026-12-02T06:00"
    assert first["minutes_overdue"] == 116 and first["days_overdue"] == 0
    assert all_day["overdue"] is False and all_day["overdue_since"] is None
    assert later["overdue"] is False and later["minutes_overdue"] is None
    table = run("due").stdout
    assert "2 h overdue" in next(x for x in table.splitlines() if "Call at 6" in x)
    text = run("digest").stdout
    overdue = text.split("OVERDUE")[1].split("TODAY")[0]
    assert "Call at 6" in overdue and "2 h overdue" in overdue
    assert "Call at 6" not in text.split("TODAY")[1]
    assert "Call at 4pm" in text.split("TODAY")[1]
    digest = json.loads(run("digest", "--format", "json").stdout)
    assert [i["title"] for i in digest["overdue"]] == ["Call at 6"]
    assert [i["title"] for i in digest["today"]] == ["All day", "Call at 4pm"]


def test_minutes_and_days_of_a_timed_overdue(run, at, sam):
    run("follow", "sam", "Yesterday 15h", "--due", "2026-12-01", "--at", "15:00")
    run("follow", "sam", "Yesterday all day", "--due", "2026-12-01")
    run("follow", "sam", "Just now", "--due", "2026-12-02", "--at", "07:50")
    at("2026-12-02 07:56")
    due = run.json("due")
    # most overdue first: yesterday 15:00, then the whole of yesterday (overdue since
    # midnight), then 07:50 today
    assert [d["title"] for d in due] == ["Yesterday 15h", "Yesterday all day", "Just now"]
    assert [d["overdue_since"] for d in due] == [
        "2026-12-01T15:00",
        "2026-12-02T00:00",
        "2026-12-02T07:50",
    ]
    assert [d["minutes_overdue"] for d in due] == [16 * 60 + 56, 7 * 60 + 56, 6]
    table = run("due").stdout
    assert "17 h overdue" in table and "1 day overdue" in table and "6 min overdue" in table


def test_due_on_a_later_time_counts_the_earlier_items_of_that_day_overdue(run, at, sam):
    for hour in ("08:00", "09:00", "11:00"):
        run("follow", "sam", f"At {hour}", "--due", "2026-12-03", "--at", hour)
    at("2026-12-02 07:56")
    due = run.json("due", "--on", "tomorrow 10am")
    assert [(d["title"], d["overdue"]) for d in due] == [
        ("At 08:00", True),
        ("At 09:00", True),
        ("At 11:00", False),
    ]
    assert [d["minutes_overdue"] for d in due] == [120, 60, None]
    table = run("due", "--on", "tomorrow 10am").stdout
    assert "2 h overdue" in table and "1 h overdue" in table
    agenda = run("agenda", "--on", "tomorrow 10am").stdout
    overdue_part = agenda.split("Overdue")[1].split("(today)")[0]
    assert "At 08:00" in overdue_part and "At 09:00" in overdue_part
    assert "At 11:00" not in overdue_part


def test_the_contact_page_says_a_timed_follow_up_is_overdue(run, at, sam):
    run("follow", "sam", "Call at 6", "--due", "2026-12-02", "--at", "06:00")
    at("2026-12-02 07:56")
    page = run("show", "sam").stdout
    assert "2 h overdue" in page


def test_minutes_overdue_are_real_minutes_across_a_clock_change():
    from minicrm import dates, views

    # 2026-10-25 in Berlin: 03:00 summer time becomes 02:00 winter time (an hour repeats)
    now = dates.local_now(dates.When(date(2026, 10, 25), time(4, 0)))
    assert views.overdue_state("2026-10-25", "01:30", now) == (0, "2026-10-25T01:30", 210)
    assert views.overdue_state("2026-10-24", None, now) == (1, "2026-10-25T00:00", 5 * 60)
    assert views.overdue_state("2026-10-25", "04:30", now) == (0, None, None)


# -- 15.7 "the next 7 days" is one window everywhere -------------------------------------


def test_the_next_seven_days_are_one_window_in_agenda_digest_and_birthdays(run, at, sam):
    run("follow", "sam", "Next Tue", "--due", "2026-12-08")
    run("follow", "sam", "Next Wed", "--due", "2026-12-09")
    run("follow", "sam", "Next Thu", "--due", "2026-12-10")
    run("add", "Wed Birthday", "--birthday", "1980-12-09")
    run("add", "Thu Birthday", "--birthday", "1980-12-10")
    at("2026-12-02 07:56")
    agenda = [a["title"] for a in run.json("agenda")]
    digest = json.loads(run("digest", "--format", "json").stdout)
    upcoming = [i["title"] for i in digest["upcoming"]]
    assert agenda == upcoming == ["Next Tue", "Next Wed"]
    born = [b["contact"]["name"] for b in run.json("birthdays", "--days", "7")]
    assert born == [d["contact"]["name"] for d in digest["dates"]] == ["Wed Birthday"]
    assert "Wed 2026-12-09" in run("agenda").stdout
    assert [a["title"] for a in run.json("agenda", "--days", "0")] == []
    assert [b["contact"]["name"] for b in run.json("birthdays", "--days", "8")] == [
        "Wed Birthday",
        "Thu Birthday",
    ]


@pytest.mark.parametrize("command", [["agenda"], ["birthdays"], ["digest"]])
def test_one_range_for_days(run, command):
    run(*command, "--days", "0")
    run(*command, "--days", "365")
    for bad in ("366", "-1"):
        result = run(*command, "--days", bad, code=2)
        assert f"--days {bad} is out of range (0 to 365)" in result.stderr
