"""Recurrence rules (minicrm.core.recurrence): parsing, normalizing, next occurrences."""

from __future__ import annotations

import calendar
import time as systime
from datetime import date, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from minicrm.core import dates, recurrence
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput
from minicrm.core.recurrence import describe, next_occurrence, parse_rule


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    systime.tzset()
    yield
    monkeypatch.undo()
    systime.tzset()


WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("daily", "FREQ=DAILY"),
        ("day", "FREQ=DAILY"),
        ("every day", "FREQ=DAILY"),
        ("weekly", "FREQ=WEEKLY"),
        ("week", "FREQ=WEEKLY"),
        ("monthly", "FREQ=MONTHLY"),
        ("Month", "FREQ=MONTHLY"),
        ("yearly", "FREQ=YEARLY"),
        ("year", "FREQ=YEARLY"),
        ("annually", "FREQ=YEARLY"),
        ("2d", "FREQ=DAILY;INTERVAL=2"),
        ("1d", "FREQ=DAILY"),
        ("2w", "FREQ=WEEKLY;INTERVAL=2"),
        ("3m", "FREQ=MONTHLY;INTERVAL=3"),
        ("1y", "FREQ=YEARLY"),
        ("2 days", "FREQ=DAILY;INTERVAL=2"),
        ("2 weeks", "FREQ=WEEKLY;INTERVAL=2"),
        ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2"),
        ("  Every   2   Weeks ", "FREQ=WEEKLY;INTERVAL=2"),
        ("every 1000 days", "FREQ=DAILY;INTERVAL=1000"),
        ("every other week", "FREQ=WEEKLY;INTERVAL=2"),
        ("fortnightly", "FREQ=WEEKLY;INTERVAL=2"),
        ("quarterly", "FREQ=MONTHLY;INTERVAL=3"),
        ("weekday", WEEKDAYS),
        ("weekdays", WEEKDAYS),
        ("every weekday", WEEKDAYS),
        ("weekend", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("mon,thu", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("mon, thu", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("thu,mon", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("tue and fri", "FREQ=WEEKLY;BYDAY=TU,FR"),
        ("every Tuesday and Friday", "FREQ=WEEKLY;BYDAY=TU,FR"),
        ("fri", "FREQ=WEEKLY;BYDAY=FR"),
        ("every fri", "FREQ=WEEKLY;BYDAY=FR"),
        ("mondays", "FREQ=WEEKLY;BYDAY=MO"),
        ("every 2 weeks on mon, thu", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"),
        ("every other week on fri", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("rrule:freq=monthly;bymonthday=15;", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("FREQ=WEEKLY;INTERVAL=1;BYDAY=TH,MO", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("BYDAY=FR;INTERVAL=2;FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=MONTHLY;BYDAY=+1MO", "FREQ=MONTHLY;BYDAY=1MO"),
        (
            "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR,MO,TU,WE,TH",
            f"FREQ=MONTHLY;{WEEKDAYS[12:]};BYSETPOS=-1",
        ),
        ("FREQ=YEARLY;BYMONTH=12,6;BYMONTHDAY=1", "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=1"),
        ("FREQ=WEEKLY;WKST=MO;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=MO", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=SU"),
    ],
)
def test_accepted_forms_normalize(text, rule):
    assert parse_rule(text) == rule
    assert parse_rule(rule) == rule  # a normalized rule reads back as itself
    assert parse_rule("RRULE:" + rule) == rule
    rrulestr("RRULE:" + rule, dtstart=datetime(2026, 1, 1))  # and dateutil reads it


@pytest.mark.parametrize(
    "text",
    [
        "xyz",
        "",
        "every",
        "0d",
        "0 weeks",
        "1001d",
        "every 99999 days",
        "3x",
        "mon,blursday",
        "every mon or thu",
        "hourly",
        "FREQ=HOURLY",
        "FREQ=MINUTELY",
        "FREQ=FORTNIGHTLY",
        "BYDAY=MO",
        "FREQ=WEEKLY;FREQ=DAILY",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;INTERVAL=1001",
        "FREQ=DAILY;INTERVAL=two",
        "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "FREQ=YEARLY;BYMONTH=13",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;BYDAY=1MO",
        "FREQ=MONTHLY;BYDAY=6MO",
        "FREQ=WEEKLY;BYMONTHDAY=1",
        "FREQ=MONTHLY;BYWEEKNO=1",
        "FREQ=MONTHLY;BYSETPOS=1",
        "FREQ=DAILY;BYHOUR=9",
        "FREQ=DAILY;BYEASTER=0",
        "FREQ=DAILY;X-NAME=1",
        "FREQ",
        "RRULE:",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",  # never happens
        "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31",  # never happens
        "every\x00day",
        "w" * 1000,
    ],
)
def test_bad_rules_are_refused(text):
    with pytest.raises(InvalidInput, match="cannot read the recurrence rule") as caught:
        parse_rule(text)
    assert "RRULE:FREQ=" in caught.value.hint


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY;COUNT=3",
        "RRULE:FREQ=WEEKLY;UNTIL=20270101T000000Z",
        "FREQ=WEEKLY;DTSTART=20260101T000000",
    ],
)
def test_count_until_and_dtstart_belong_to_the_options(text):
    with pytest.raises(InvalidInput, match="not allowed") as caught:
        parse_rule(text)
    assert "--until" in str(caught.value) and "--count" in str(caught.value)


def test_a_rule_that_cannot_happen_from_its_anchor_is_refused():
    rule = "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29"
    assert parse_rule(rule) == rule  # from some years it does happen
    assert parse_rule(rule, anchor=date(2024, 1, 1)) == rule
    with pytest.raises(InvalidInput, match="never"):
        parse_rule(rule, anchor=date(2025, 1, 1))


@settings(deadline=None)  # refusing a rule that never happens can take a few tenths of a second
@given(st.text())
def test_any_text_gives_a_rule_or_invalid_input(text):
    try:
        rule = parse_rule(text)
    except InvalidInput:
        return
    assert parse_rule(rule) == rule
    assert describe(rule)


# fmt: off
RULE_PARTS = [
    "FREQ=", "DAILY", "WEEKLY", "MONTHLY", ";", "=", ",", "BYDAY", "MO", "-1", "1FR",
    "BYMONTHDAY", "31", "0", "INTERVAL", "2", "BYSETPOS", "BYMONTH", "13", "RRULE:",
]
# fmt: on


@settings(deadline=None)
@given(st.lists(st.sampled_from(RULE_PARTS), max_size=10))
def test_any_mix_of_rule_parts_gives_a_rule_or_invalid_input(pieces):
    try:
        rule = parse_rule("".join(pieces))
    except InvalidInput:
        return
    assert parse_rule(rule) == rule


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("FREQ=DAILY", "every day"),
        ("FREQ=DAILY;INTERVAL=2", "every 2 days"),
        ("FREQ=WEEKLY", "every week"),
        ("FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
        ("FREQ=MONTHLY", "every month"),
        ("FREQ=MONTHLY;INTERVAL=3", "every 3 months"),
        ("FREQ=YEARLY", "every year"),
        ("FREQ=YEARLY;INTERVAL=2", "every 2 years"),
        (WEEKDAYS, "every weekday"),
        ("FREQ=WEEKLY;BYDAY=MO,TH", "every Mon, Thu"),
        ("FREQ=WEEKLY;BYDAY=FR", "every Fri"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "every 2 weeks on Mon, Thu"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "every month on the 15th"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "every month on the last day"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "RRULE:FREQ=MONTHLY;BYDAY=-1FR"),
        ("not a rule", "RRULE:not a rule"),
    ],
)
def test_describe(rule, text):
    assert describe(rule) == text


# --- next occurrences ---------------------------------------------------------------------------


def series(rule: str, anchor: datetime, n: int, until: date | None = None) -> list[datetime]:
    """The next ``n`` occurrences after the anchor, one next_occurrence call at a time."""
    out: list[datetime] = []
    after = anchor
    while len(out) < n:
        found = next_occurrence(rule, anchor=anchor, after=after, until=until)
        if found is None:
            break
        assert found > after
        out.append(found)
        after = found
    return out


def test_every_two_weeks():
    anchor = datetime(2026, 1, 1, 9, 0)
    assert series(parse_rule("2w"), anchor, 4) == [
        datetime(2026, 1, 15, 9),
        datetime(2026, 1, 29, 9),
        datetime(2026, 2, 12, 9),
        datetime(2026, 2, 26, 9),
    ]
    # from anywhere in between: the series' next slot, not two weeks from there
    assert next_occurrence(
        "FREQ=WEEKLY;INTERVAL=2", anchor=anchor, after=datetime(2026, 1, 20)
    ) == datetime(2026, 1, 29, 9)


def test_month_end_is_clamped_across_a_year():
    anchor = datetime(2026, 1, 31, 9, 0)
    got = series("FREQ=MONTHLY", anchor, 12)
    assert [d.date() for d in got] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 31),
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
    ]
    assert {d.time() for d in got} == {time(9)}


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
    st.integers(1, 4),
    st.integers(0, 60),
)
def test_monthly_falls_on_the_anchor_day_or_the_month_end(start, interval, skip):
    anchor = datetime.combine(start, time(9))
    rule = "FREQ=MONTHLY" + (f";INTERVAL={interval}" if interval > 1 else "")
    months = start.month - 1 + interval * (skip + 1)
    year, month = start.year + months // 12, months % 12 + 1
    expected = date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
    after = datetime.combine(expected, time(0)) - timedelta(days=1)
    assert next_occurrence(rule, anchor=anchor, after=after) == datetime.combine(expected, time(9))


def test_yearly_from_feb_29():
    got = series("FREQ=YEARLY", datetime(2024, 2, 29), 5)
    assert [d.date() for d in got] == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
        date(2029, 2, 28),
    ]


def test_month_end_with_a_day_rule_is_left_alone():
    # with BYMONTHDAY the user said which day: months without a 31st are skipped
    got = series("FREQ=MONTHLY;BYMONTHDAY=31", datetime(2026, 1, 31), 3)
    assert [d.date() for d in got] == [date(2026, 3, 31), date(2026, 5, 31), date(2026, 7, 31)]


def test_weekdays_skip_the_weekend():
    friday = datetime(2026, 11, 27, 9)
    assert next_occurrence(WEEKDAYS, anchor=friday, after=friday) == datetime(2026, 11, 30, 9)
    got = series(WEEKDAYS, friday, 10)
    assert all(d.weekday() < 5 for d in got)
    assert [d.day for d in got] == [30, 1, 2, 3, 4, 7, 8, 9, 10, 11]


def test_weekday_list():
    anchor = datetime(2026, 11, 23, 8, 30)  # a Monday
    got = series(parse_rule("mon,thu"), anchor, 4)
    assert [d.date() for d in got] == [
        date(2026, 11, 26),
        date(2026, 11, 30),
        date(2026, 12, 3),
        date(2026, 12, 7),
    ]


def test_until_is_inclusive():
    anchor = datetime(2026, 1, 1, 9)
    rule = "FREQ=WEEKLY"
    on_the_day = next_occurrence(rule, anchor=anchor, after=anchor, until=date(2026, 1, 8))
    assert on_the_day == datetime(2026, 1, 8, 9)
    assert next_occurrence(rule, anchor=anchor, after=anchor, until=date(2026, 1, 7)) is None
    assert series(rule, anchor, 100, until=date(2026, 2, 1)) == [
        datetime(2026, 1, 8, 9),
        datetime(2026, 1, 15, 9),
        datetime(2026, 1, 22, 9),
        datetime(2026, 1, 29, 9),
    ]
    assert next_occurrence(rule, anchor=anchor, after=anchor, until=date(2025, 12, 1)) is None


def test_the_anchor_itself_is_the_first_occurrence():
    anchor = datetime(2026, 12, 1, 9)
    assert next_occurrence("FREQ=DAILY", anchor=anchor, after=datetime(2026, 11, 1)) == anchor


def test_far_beyond_the_anchor_is_fast_and_right():
    started = systime.perf_counter()
    anchor = datetime(2020, 1, 6, 9)  # a Monday
    after = datetime(2026, 11, 22, 12)
    assert next_occurrence("FREQ=DAILY", anchor=anchor, after=after) == datetime(2026, 11, 23, 9)
    every_3_days = next_occurrence("FREQ=DAILY;INTERVAL=3", anchor=anchor, after=after)
    assert every_3_days == datetime(2026, 11, 24, 9)  # 2020-01-06 + 3 * 838 days
    every_2_weeks = next_occurrence("FREQ=WEEKLY;INTERVAL=2", anchor=anchor, after=after)
    assert every_2_weeks == datetime(2026, 11, 30, 9)  # 2020-01-06 + 14 * 180 days
    assert next_occurrence("FREQ=MONTHLY", anchor=anchor, after=after) == datetime(2026, 12, 6, 9)
    far = next_occurrence("FREQ=DAILY", anchor=datetime(1900, 1, 1, 9), after=datetime(2200, 6, 1))
    assert far == datetime(2200, 6, 1, 9)
    assert systime.perf_counter() - started < 0.5


def test_a_rule_with_nothing_left_returns_none_quickly():
    started = systime.perf_counter()
    never = "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29"  # 2025, 2029, ...: no leap years
    assert next_occurrence(never, anchor=datetime(2025, 1, 1), after=datetime(2025, 1, 1)) is None
    daily_never = "FREQ=DAILY;INTERVAL=7;BYDAY=MO"  # every 7 days from a Tuesday: never a Monday
    anchor = datetime(2026, 11, 24)
    assert next_occurrence(daily_never, anchor=anchor, after=anchor) is None
    assert systime.perf_counter() - started < 2


RULES = [
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=DAILY;BYDAY=MO,WE",
    "FREQ=DAILY;INTERVAL=2;BYMONTH=1,6",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;INTERVAL=3",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU;WKST=SU",
    "FREQ=WEEKLY;BYDAY=TU,TH;BYSETPOS=-1",
    "FREQ=MONTHLY",
    "FREQ=MONTHLY;INTERVAL=5",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=MONTHLY;BYMONTHDAY=1,15",
    "FREQ=YEARLY",
    "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
]


@given(
    st.sampled_from(RULES),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31)),
    st.integers(-30, 20_000),
)
def test_next_occurrence_matches_plain_dateutil(rule, anchor, days_later):
    """The shortcuts (skipping whole periods, moving by 400-year cycles) change nothing."""
    anchor = anchor.replace(day=min(anchor.day, 28), second=0, microsecond=0)
    after = anchor + timedelta(days=days_later, minutes=7)
    expected = rrulestr("RRULE:" + rule, dtstart=anchor).after(after)
    assert next_occurrence(rule, anchor=anchor, after=after) == expected


def test_naive_datetimes_only():
    aware = datetime(2026, 1, 1, tzinfo=dates.local_zone())
    with pytest.raises(ValueError):
        next_occurrence("FREQ=DAILY", anchor=aware, after=aware)


def test_weekly_keeps_the_wall_clock_time_across_the_dst_change(berlin):
    anchor = datetime(2026, 3, 23, 9, 0)  # Monday before Berlin's spring-forward (Mar 29)
    nxt = next_occurrence("FREQ=WEEKLY", anchor=anchor, after=anchor)
    assert nxt == datetime(2026, 3, 30, 9, 0)
    before = dates.to_utc_stamp(When(anchor.date(), anchor.time()))
    after = dates.to_utc_stamp(When(nxt.date(), nxt.time()))
    assert (before, after) == ("2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z")
    # and back in autumn
    autumn = next_occurrence("FREQ=WEEKLY", anchor=anchor, after=datetime(2026, 10, 20))
    assert autumn == datetime(2026, 10, 26, 9, 0)
    assert dates.to_utc_stamp(When(autumn.date(), autumn.time())) == "2026-10-26T08:00:00Z"


def test_recurrence_constants_are_public():
    assert "RRULE:FREQ=" in recurrence.RULE_FORMS
