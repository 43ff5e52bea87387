"""Issue 18, point 3: every series minicrm schedules is written as an RRULE that real
expanders read as exactly minicrm's own next occurrences.

The exported VTODO (DUE, RRULE, no DTSTART) is read back by icalendar and expanded two
ways: by dateutil (``rrulestr`` from the DUE, what todoman does) and by
recurring-ical-events (icalendar's RFC 5545 expander, which counts the DUE as the first
instance). Both must give the dates that ``minicrm done`` would schedule one after the
other (:func:`minicrm.core.recurrence.schedule`). Where no RRULE can say it, the VTODO
has no RRULE and says how it repeats.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, time, timedelta

import icalendar
import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from minicrm.activity.models import FollowUp, Recurrence, SeriesTask
from minicrm.core import recurrence
from minicrm.core.errors import InvalidInput
from minicrm.core.models import Ref
from minicrm.interchange.formats.ics import notes_of, to_ics

NOW = "2026-11-22T09:30:00Z"
N = 10  # occurrences compared after the due


def task(
    rule: str,
    anchor: datetime,
    due: datetime,
    *,
    all_day: bool,
    until: date | None = None,
    count: int | None = None,
    occurrence: int = 1,
    scheduled_from: str = "due",
) -> SeriesTask:
    f = FollowUp(
        id=7,
        uid="occ-7",
        title="Call",
        due_date=due.date().isoformat(),
        due_time=None if all_day else due.strftime("%H:%M"),
        recurrence=Recurrence(
            rule,
            recurrence.describe(rule),
            scheduled_from=scheduled_from,
            until=until.isoformat() if until else None,
            count=count,
        ),
        series_uid="series-1",
        occurrence=occurrence,
        created_at=NOW,
        updated_at=NOW,
    )
    return SeriesTask(f, series_start=anchor.strftime("%Y-%m-%dT%H:%M"))


def exported(t: SeriesTask) -> icalendar.Component:
    cal = icalendar.Calendar.from_ical(to_ics([t], [], now_stamp=NOW))
    (todo,) = cal.walk("VTODO")
    return todo


def _moment(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time(0))


def by_dateutil(todo: icalendar.Component) -> list[datetime]:
    due = _moment(todo.decoded("due"))
    rule = todo["rrule"].to_ical().decode()
    return list(itertools.islice((d for d in rrulestr(rule, dtstart=due) if d > due), N))


def by_icalendar(todo: icalendar.Component, expected: list[datetime]) -> list[datetime]:
    """The instances after the due up to the last expected one (or, when the series ends
    within N, three years past its end: none may be there)."""
    due = _moment(todo.decoded("due"))
    last = expected[-1] if expected else due
    end = last + timedelta(days=1) if len(expected) == N else last + timedelta(days=3 * 366)
    cal = icalendar.Calendar()
    cal.add_component(todo)
    found = [
        _moment(item.decoded("due"))
        for item in recurring_ical_events.of(cal, components=["VTODO"]).between(due, end)
    ]
    return sorted(m for m in found if m > due)


def minicrm_schedule(t: SeriesTask) -> list[datetime]:
    f = t.followup
    rec = f.recurrence
    assert rec is not None
    due = datetime.combine(
        date.fromisoformat(f.due_date), time.fromisoformat(f.due_time or "00:00")
    )
    return recurrence.schedule(
        rec.rule,
        anchor=datetime.fromisoformat(t.series_start),
        first=due,
        until=date.fromisoformat(rec.until) if rec.until else None,
        count=rec.count - f.occurrence + 1 if rec.count is not None else None,
        limit=N,
    )


def check(t: SeriesTask) -> icalendar.Component:
    todo = exported(t)
    assert "dtstart" not in todo
    expected = minicrm_schedule(t)
    if "rrule" in todo:
        assert by_dateutil(todo) == expected
        assert by_icalendar(todo, expected) == expected
    return todo


# -- the issue's examples ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "anchor", "written", "dates"),
    [
        (  # the issue: Jan 31, Feb 28, Mar 31, Apr 30
            "FREQ=MONTHLY", date(2026, 12, 31), "FREQ=MONTHLY;BYMONTHDAY=-1",
            ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"],
        ),
        (
            "FREQ=MONTHLY", date(2027, 1, 30), "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1",
            ["2027-02-28", "2027-03-30", "2027-04-30", "2027-05-30"],
        ),
        (
            "FREQ=MONTHLY;INTERVAL=3", date(2026, 11, 30),
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=28,29,30;BYSETPOS=-1",
            ["2027-02-28", "2027-05-30", "2027-08-30", "2027-11-30"],
        ),
        (  # Feb 29: Feb 28 in common years, as minicrm schedules it
            "FREQ=YEARLY", date(2028, 2, 29), "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1",
            ["2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"],
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", date(2026, 11, 27),
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"],
        ),
        ("FREQ=WEEKLY", date(2026, 11, 26), "FREQ=WEEKLY;BYDAY=TH", ["2026-12-03", "2026-12-10"]),
    ],
)  # fmt: skip
def test_the_issues_series_are_written_exactly(rule, anchor, written, dates):
    start = datetime.combine(anchor, time(0))
    todo = check(task(rule, start, start, all_day=True))
    assert todo["rrule"] == icalendar.vRecur.from_ical(written)  # icalendar orders parts its way
    assert [d.date().isoformat() for d in by_dateutil(todo)][: len(dates)] == dates


def test_count_counts_the_due_as_the_first():
    start = datetime(2026, 12, 31, 9, 0)
    todo = check(task("FREQ=MONTHLY", start, start, all_day=False, count=3))
    assert todo["rrule"]["COUNT"] == [3]
    assert [d.isoformat() for d in by_dateutil(todo)] == [
        "2027-01-31T09:00:00",
        "2027-02-28T09:00:00",
    ]


def test_the_last_occurrence_has_no_rrule():
    start = datetime(2026, 12, 1)
    todo = check(task("FREQ=WEEKLY", start, start, all_day=True, count=2, occurrence=2))
    assert "rrule" not in todo and "x-minicrm-rrule" not in todo


def test_a_snoozed_occurrence_of_a_monthly_series_keeps_its_rule():
    anchor = datetime(2026, 12, 31)
    due = datetime(2027, 2, 10)  # Jan 31 snoozed: minicrm's next is Feb 28
    todo = check(task("FREQ=MONTHLY", anchor, due, all_day=True, count=5, occurrence=2))
    assert by_dateutil(todo)[:2] == [datetime(2027, 2, 28), datetime(2027, 3, 31)]
    assert "UNTIL" in todo["rrule"]  # a count would count the off-rule due differently


def test_what_no_rrule_can_say_is_written_as_the_next_occurrence_and_said():
    # counted from when it is done
    start = datetime(2026, 12, 1)
    done_based = exported(task("FREQ=WEEKLY;INTERVAL=2", start, start, all_day=True,
                               scheduled_from="done"))  # fmt: skip
    assert "rrule" not in done_based
    assert str(done_based["x-minicrm-rrule"]) == "FREQ=WEEKLY;INTERVAL=2"
    assert str(done_based["x-minicrm-recur-from"]) == "done"
    text = str(done_based["description"])
    assert "Repeats: every 2 weeks, counted from when it is done" in text
    assert notes_of(text) == ""
    # snoozed off its fortnight: the periods would count from the wrong day
    snoozed = exported(task("FREQ=WEEKLY;INTERVAL=2", start, start + timedelta(days=3),
                            all_day=True))  # fmt: skip
    assert "rrule" not in snoozed and "Repeats: every 2 weeks" in str(snoozed["description"])


# -- generated series ----------------------------------------------------------------------

SIMPLE = [
    "daily", "weekly", "monthly", "yearly", "fortnightly", "quarterly", "2d", "3w", "2m",
    "2y", "weekdays", "weekends", "mon,thu", "every 2 weeks on tue and fri", "fri",
]  # fmt: skip


@st.composite
def raw_rules(draw) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 4))}")
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    if draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(days), min_size=1, max_size=3, unique=True))
        if freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
            chosen = [f"{draw(st.sampled_from([1, 2, -1, 4, 5]))}{d}" for d in chosen]
        parts.append("BYDAY=" + ",".join(chosen))
    if freq in ("MONTHLY", "YEARLY", "DAILY") and draw(st.booleans()):
        monthdays = st.sampled_from([1, 15, 28, 29, 30, 31, -1, -2])
        parts.append(
            "BYMONTHDAY="
            + ",".join(str(d) for d in draw(st.lists(monthdays, min_size=1, max_size=3)))
        )
    if draw(st.booleans()):
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=3, unique=True))
        parts.append("BYMONTH=" + ",".join(map(str, months)))
    if len(parts) > 1 and draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.sampled_from([1, -1, 2]))}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(['MO', 'SU']))}")
    return ";".join(parts)


@st.composite
def series(draw) -> SeriesTask:
    text = draw(st.one_of(st.sampled_from(SIMPLE), raw_rules()))
    day = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    if draw(st.booleans()):  # month ends, where minicrm and RFC 5545 differ
        day = _month_end(day, draw(st.integers(0, 3)))
    all_day = draw(st.booleans())
    at = time(0) if all_day else draw(st.sampled_from([time(9, 0), time(23, 30), time(0, 0)]))
    anchor = datetime.combine(day, at)
    try:
        rule = recurrence.parse_rule(text, anchor=day)
    except InvalidInput:
        assume(False)
    until = draw(st.none() | st.integers(0, 800).map(lambda n: day + timedelta(days=n)))
    count = draw(st.none() | st.integers(1, 15))
    # the open occurrence: the k-th of the series, perhaps snoozed a few days on
    first = recurrence.next_occurrence(rule, anchor=anchor, after=anchor - timedelta(minutes=1))
    assume(first is not None)
    assert first is not None
    k = draw(st.integers(0, 4))
    occurrences = [first, *recurrence.schedule(rule, anchor=anchor, first=first, limit=k)]
    due = occurrences[-1]
    occurrence = len(occurrences)
    if draw(st.booleans()):
        due += timedelta(days=draw(st.integers(1, 40)))
    assume(until is None or due.date() <= until)
    return task(rule, anchor, due, all_day=all_day, until=until, count=count,
                occurrence=occurrence)  # fmt: skip


def _month_end(d: date, back: int) -> date:
    import calendar

    last = calendar.monthrange(d.year, d.month)[1]
    return d.replace(day=last - back)


@settings(
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(series())
def test_every_series_expands_to_minicrms_own_schedule(t: SeriesTask):
    todo = check(t)
    rec = t.followup.recurrence
    assert rec is not None
    expected = minicrm_schedule(t)
    anchor = datetime.fromisoformat(t.series_start)
    due = _moment(todo.decoded("due"))
    interval_one = ";INTERVAL=" not in rec.rule
    # dateutil (so every client built on it) applies a weekly BYSETPOS to the days from
    # DTSTART on in the first week: minicrm says such a rule as days when it can
    weekly_setpos = rec.rule.startswith("FREQ=WEEKLY") and "BYSETPOS" in rec.rule
    if not expected:
        assert "rrule" not in todo and "x-minicrm-rrule" not in todo
    elif interval_one and due >= anchor and not weekly_setpos:
        # every series from its own time of day can be said in RFC 5545
        assert "rrule" in todo, todo.to_ical()
    event("rrule" if "rrule" in todo else "next only" if expected else "last")
    if "rrule" not in todo and expected:
        assert str(todo["x-minicrm-rrule"]) == rec.rule
        assert "Repeats: " in str(todo["description"])


@pytest.mark.parametrize(
    "contact",
    [None, Ref(3, "c-ann", "Ann")],
)
def test_notes_come_back_without_the_lines_minicrm_adds(contact):
    f = FollowUp(
        id=1,
        uid="u",
        title="t",
        due_date="2026-12-01",
        notes="Bring the contract.\n\nAsk about Q1.",
        contact=contact,
        series_uid="s",
    )
    t = SeriesTask(f, phone="+1 555 0100", email="ann@example.org", deal_title="Big deal")
    todo = exported(t)
    text = str(todo["description"])
    if contact:
        assert text.endswith(
            "\n\nContact: Ann\nPhone: +1 555 0100\nEmail: ann@example.org\nDeal: Big deal"
        )
        assert str(todo["x-minicrm-contact-uid"]) == "c-ann"
    assert notes_of(text) == "Bring the contract.\n\nAsk about Q1."


_TEXT = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))


@settings(deadline=None, max_examples=150)
@given(
    title=st.text(_TEXT, min_size=1, max_size=60).map(str.strip).filter(bool),
    notes=st.lists(st.text(_TEXT, max_size=40), max_size=4).map("\n".join),
)
def test_title_and_notes_come_back_as_they_were(title: str, notes: str):
    """What `sync tasks` reads from a file it wrote is what the follow-up holds: any
    title, any notes (commas, semicolons, backslashes, quotes, emoji, several lines)."""
    from minicrm.sync.tasks import TasksKind

    notes = notes.strip("\n")
    last = notes.split("\n\n")[-1].split("\n")
    assume(not all(re.fullmatch(r"(Contact|Phone|Email|Deal|Repeats): .*", ln) for ln in last))
    f = FollowUp(id=1, uid="u", title=title, due_date="2026-12-01", notes=notes or None,
                 contact=Ref(3, "c-ann", "Ann; \"A\", \\B"), series_uid="s")  # fmt: skip
    kind = TasksKind()
    item = kind.render(SeriesTask(f, phone="+1 555", email="a@b.example"), "s@minicrm")
    assert item.fields["title"] == title
    assert item.fields.get("notes", "") == notes
    assert item.fields["contact"] == "c-ann"
    assert kind.parse(item.text).fields == item.fields
