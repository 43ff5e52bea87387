"""The dates people type, local time and UTC stamps (minicrm.core.dates)."""

from __future__ import annotations

import subprocess
import sys
import time as systime
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from minicrm.core import dates
from minicrm.core.dateparse import DATE_FORMS, parse_date, parse_time, parse_when
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput

WED = date(2026, 12, 2)  # a Wednesday
FRI = date(2026, 12, 4)
SUN = date(2026, 11, 22)  # the frozen clock's day (conftest: 2026-11-22T09:30Z)

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
todays = st.dates(min_value=date(1901, 1, 1), max_value=date(2199, 12, 31))
WEEKDAY_NAMES = [
    ("mon", "monday"),
    ("tue", "tues", "tuesday"),
    ("wed", "wednesday"),
    ("thu", "thur", "thurs", "thursday"),
    ("fri", "friday"),
    ("sat", "saturday"),
    ("sun", "sunday"),
]
weekday_names = st.sampled_from(
    [(name, index) for index, names in enumerate(WEEKDAY_NAMES) for name in names]
)


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch):
    """Sets TZ for one test (and tzset), restoring both afterwards."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        systime.tzset()

    yield set_zone
    monkeypatch.undo()
    systime.tzset()


@pytest.fixture
def berlin(zone) -> None:
    zone("Europe/Berlin")


# --- the grammar ------------------------------------------------------------------------------


@given(days, todays)
def test_every_iso_date_round_trips(day, today):
    assert parse_when(day.isoformat(), today=today) == When(day)
    assert parse_date(f"  {day.isoformat()} ", today=today) == day


@given(days, st.times(), todays)
def test_every_iso_date_time_round_trips_to_the_minute(day, at, today):
    minute = at.replace(second=0, microsecond=0)
    for text in (
        f"{day.isoformat()}T{at.isoformat()}",
        f"{day.isoformat()} {at:%H:%M}",
        f"{day.isoformat()}t{at:%H:%M:%S}",
    ):
        assert parse_when(text, today=today) == When(day, minute)


@given(days, st.sampled_from(["%b %d %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %d,%Y"]))
def test_month_names_with_a_year_round_trip(day, form):
    text = day.strftime(form)
    assert parse_when(text, today=SUN).day == day
    assert parse_when(text.upper(), today=SUN).day == day
    assert parse_when(text.lower(), today=SUN, prefer="past").day == day


@given(todays, days, st.sampled_from(["%b %d", "%B %d", "%d %b", "%d %B", "%b %-dth"]))
def test_month_day_without_a_year_is_the_nearest_one(today, day, form):
    if (day.month, day.day) == (2, 29):  # the nearest leap years must be in 1900..2200
        assume(1905 <= today.year <= 2195)
    text = day.strftime(form)
    ahead = parse_when(text, today=today).day
    behind = parse_when(text, today=today, prefer="past").day
    assert (ahead.month, ahead.day) == (behind.month, behind.day) == (day.month, day.day)
    assert behind <= today <= ahead
    if (day.month, day.day) == (2, 29):
        assert ahead.year - today.year <= 8 and today.year - behind.year <= 8
    else:  # the same month-day one year nearer would be on the wrong side of today
        assert ahead.replace(year=ahead.year - 1) < today < behind.replace(year=behind.year + 1)


@given(todays, st.integers(-20_000, 20_000))
def test_signed_days_are_today_plus_n(today, n):
    expected = today + timedelta(days=n)
    assume(1900 <= expected.year <= 2200)
    text = f"+{n}d" if n >= 0 else f"{n}d"
    assert parse_date(text, today=today) == expected
    assert parse_date(f"{'+' if n >= 0 else '-'}{abs(n)} days", today=today) == expected
    if n >= 0:
        assert parse_date(f"in {n} days", today=today) == expected
    else:
        assert parse_date(f"{-n} days ago", today=today) == expected


@given(todays, st.integers(0, 500))
def test_weeks_are_seven_days(today, n):
    expected = today + timedelta(weeks=n)
    assume(expected.year <= 2200)
    assert parse_date(f"+{n}w", today=today) == parse_date(f"in {n} weeks", today=today)
    assert parse_date(f"+{n}w", today=today) == expected


@given(todays, weekday_names)
def test_next_weekday_is_strictly_after_today_within_a_week(today, name_index):
    name, index = name_index
    day = parse_date(f"next {name}", today=today)
    assert day.weekday() == index
    assert today < day <= today + timedelta(days=7)


@given(todays, weekday_names)
def test_bare_weekday_is_on_or_after_today_within_six_days(today, name_index):
    name, index = name_index
    day = parse_date(name, today=today)
    assert day.weekday() == index
    assert today <= day <= today + timedelta(days=6)
    assert parse_date(name.upper(), today=today) == day


@given(todays, weekday_names)
def test_past_weekdays(today, name_index):
    name, index = name_index
    last = parse_date(f"last {name}", today=today)
    assert last.weekday() == index
    assert today - timedelta(days=7) <= last < today
    bare = parse_date(name, today=today, prefer="past")
    assert bare.weekday() == index
    assert today - timedelta(days=6) <= bare <= today


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (WED, "next fri", FRI),
        (WED, "fri", FRI),
        (FRI, "fri", FRI),
        (FRI, "next fri", date(2026, 12, 11)),
        (FRI, "last fri", date(2026, 11, 27)),
        (WED, "last fri", date(2026, 11, 27)),
        (WED, "Friday", FRI),
        (WED, "this fri", FRI),
        (WED, "today", WED),
        (WED, "TODAY", WED),
        (WED, "tomorrow", date(2026, 12, 3)),
        (WED, "yesterday", date(2026, 12, 1)),
        (WED, "+3d", date(2026, 12, 5)),
        (WED, "+ 3d", date(2026, 12, 5)),
        (WED, "+2w", date(2026, 12, 16)),
        (WED, "+1m", date(2027, 1, 2)),
        (WED, "-1y", date(2025, 12, 2)),
        (WED, "+10d", date(2026, 12, 12)),
        (date(2026, 1, 31), "+1m", date(2026, 2, 28)),
        (date(2024, 2, 29), "+1y", date(2025, 2, 28)),
        (date(2026, 1, 31), "in a month", date(2026, 2, 28)),
        (WED, "in 3 days", date(2026, 12, 5)),
        (WED, "in 1 week", date(2026, 12, 9)),
        (WED, "in a week", date(2026, 12, 9)),
        (WED, "in 2 months", date(2027, 2, 2)),
        (WED, "3 weeks ago", date(2026, 11, 11)),
        (WED, "1 day ago", date(2026, 12, 1)),
        (WED, "a year ago", date(2025, 12, 2)),
        (WED, "next week", date(2026, 12, 9)),
        (WED, "next month", date(2027, 1, 2)),
        (WED, "next year", date(2027, 12, 2)),
        (WED, "last week", date(2026, 11, 25)),
        (WED, "eod", WED),
        (WED, "eow", date(2026, 12, 6)),
        (SUN, "eow", SUN),
        (date(2026, 11, 23), "eow", SUN + timedelta(days=7)),
        (WED, "eom", date(2026, 12, 31)),
        (date(2028, 2, 3), "eom", date(2028, 2, 29)),
        (date(2027, 2, 3), "eom", date(2027, 2, 28)),
        (WED, "eoy", date(2026, 12, 31)),
        (WED, "dec 5", date(2026, 12, 5)),
        (WED, "dec 1", date(2027, 12, 1)),
        (WED, "december 5", date(2026, 12, 5)),
        (WED, "dec 5th", date(2026, 12, 5)),
        (WED, "Dec. 5", date(2026, 12, 5)),
        (WED, "5 dec", date(2026, 12, 5)),
        (WED, "5 december", date(2026, 12, 5)),
        (WED, "5th of december", date(2026, 12, 5)),
        (WED, "dec 5 2027", date(2027, 12, 5)),
        (WED, "dec 5, 2027", date(2027, 12, 5)),
        (WED, "dec 5 ,2027", date(2027, 12, 5)),
        (WED, "5 dec 2027", date(2027, 12, 5)),
        (WED, "sept 1", date(2027, 9, 1)),
        (WED, "feb 29", date(2028, 2, 29)),
        (date(2096, 3, 1), "feb 29", date(2104, 2, 29)),
        (WED, "  in   2   weeks  ", date(2026, 12, 16)),
        (WED, "\tnext\nfri ", FRI),
    ],
)
def test_examples(today, text, expected):
    assert parse_when(text, today=today) == When(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("dec 5", date(2025, 12, 5)), ("dec 2", WED), ("feb 29", date(2024, 2, 29))],
)
def test_prefer_past_picks_the_latest_on_or_before_today(text, expected):
    assert parse_date(text, today=WED, prefer="past") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 9am", When(date(2026, 12, 3), time(9))),
        ("tomorrow at 9am", When(date(2026, 12, 3), time(9))),
        ("tomorrow at 9 am", When(date(2026, 12, 3), time(9))),
        ("fri 14:30", When(FRI, time(14, 30))),
        ("next fri 9:30am", When(FRI, time(9, 30))),
        ("dec 5 3pm", When(date(2026, 12, 5), time(15))),
        ("Dec 5 at 3 PM", When(date(2026, 12, 5), time(15))),
        ("5 dec 2027 9:05", When(date(2027, 12, 5), time(9, 5))),
        ("+2d 17:00", When(date(2026, 12, 4), time(17))),
        ("in 2 weeks at noon", When(date(2026, 12, 16), time(12))),
        ("today midnight", When(WED, time(0))),
        ("3pm", When(WED, time(15))),
        ("at 15:00", When(WED, time(15))),
        ("noon", When(WED, time(12))),
        ("2026-12-04 at 9am", When(FRI, time(9))),
    ],
)
def test_a_time_after_any_date(text, expected):
    assert parse_when(text, today=WED) == expected


def test_every_example_in_the_hint_parses():
    examples = DATE_FORMS.removeprefix("e.g. ").split(", ")
    assert len(examples) >= 10
    for text in examples:
        parse_when(text, today=WED)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9am", time(9)),
        ("9 am", time(9)),
        ("9AM", time(9)),
        ("9:30am", time(9, 30)),
        ("9:30 pm", time(21, 30)),
        ("9:30 p.m.", time(21, 30)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("12:15am", time(0, 15)),
        ("14:30", time(14, 30)),
        ("9:05", time(9, 5)),
        ("09:00", time(9)),
        ("0:00", time(0)),
        ("23:59", time(23, 59)),
        ("noon", time(12)),
        ("midnight", time(0)),
        (" at 9am ", time(9)),
    ],
)
def test_times_accepted(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text", ["25:00", "24:00", "9:60", "13pm", "0am", "9", "9:5", "nine", "", "9am\x00", "tomorrow"]
)
def test_times_rejected(text):
    with pytest.raises(InvalidInput, match="not a time"):
        parse_time(text)


# --- what is refused --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2026-02-30", "2026-13-01", "2026-00-10", "feb 30", "31 apr 2027", "feb 29 2027", "dec 0"],
)
def test_impossible_dates(text):
    with pytest.raises(InvalidInput, match="impossible date") as caught:
        parse_when(text, today=WED)
    assert caught.value.hint == DATE_FORMS


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("03/04/2026", "write it as 2026-03-04 or 2026-04-03"),
        ("3/4", "2027-03-04 or 2027-04-03"),
        ("04.03.2026", "2026-04-03 or 2026-03-04"),
        ("12/31/2026", "write it as 2026-12-31"),
        ("31.12.2026", "write it as 2026-12-31"),
        ("2026/03/04", "2026-03-04 or 2026-04-03"),
        ("3/4/26", "YYYY-MM-DD"),
        ("03/04/2026 9am", "2026-03-04 or 2026-04-03"),
    ],
)
def test_ambiguous_numeric_dates(text, suggestion):
    with pytest.raises(InvalidInput, match="ambiguous date") as caught:
        parse_when(text, today=WED)
    assert suggestion in caught.value.hint


@pytest.mark.parametrize(
    "text",
    [
        "5",
        "2026",
        "",
        "   ",
        "next blursday",
        "tomorow",
        "+3x",
        "3d",
        "3 days",
        "in days",
        "next",
        "at",
        "tomorrow at",
        "now-ish",
        "2026-12-04T09:00Z",
        "tomorrow\x00",
        "to\x1bday",
        "dec",
        "may",
        "+99999999d",
        "２０２６-１２-０４",
        "x" * 500,
    ],
)
def test_not_a_date(text):
    with pytest.raises(InvalidInput, match="not a date") as caught:
        parse_when(text, today=WED)
    assert caught.value.hint == DATE_FORMS


@pytest.mark.parametrize(
    "text", ["1899-12-31", "2201-01-01", "0000-01-01", "dec 5 2300", "+300y", "-200y", "+100000d"]
)
def test_years_outside_1900_to_2200(text):
    with pytest.raises(InvalidInput, match="out of range"):
        parse_when(text, today=WED)


def test_the_range_is_inclusive():
    assert parse_date("1900-01-01", today=WED) == date(1900, 1, 1)
    assert parse_date("2200-12-31", today=WED) == date(2200, 12, 31)
    with pytest.raises(InvalidInput, match="out of range"):
        parse_date("+1d", today=date(2200, 12, 31))


def test_parse_date_refuses_a_time():
    with pytest.raises(InvalidInput, match="expected a date without a time"):
        parse_date("tomorrow 9am", today=WED)
    with pytest.raises(InvalidInput, match="expected a date without a time"):
        parse_date("2026-12-04T09:00", today=WED)
    assert parse_date("now", today=WED) == WED


def test_prefer_must_be_future_or_past():
    with pytest.raises(ValueError):
        parse_when("dec 5", today=WED, prefer="soon")


# fmt: off
DATE_WORDS = [
    "today", "tomorrow", "yesterday", "now", "next", "last", "this", "in", "ago", "at", "a",
    "day", "days", "week", "weeks", "month", "year", "fri", "friday", "dec", "december", "5",
    "5th", "31", "2027", "9am", "14:30", "noon", "+3d", "-1y", "eow", "eom", ",", "of", "t",
    "2026-12-04", "03/04", "pm", ":", "-", "+", "0", "29", "feb",
]
# fmt: on


@given(st.text())
@example("\x00")
@example("2026-12-04T")
@example("9999-12-31")
@example("feb 29 9999")
@example("+9999999y")
def test_any_text_gives_a_when_or_invalid_input(text):
    for prefer in ("future", "past"):
        try:
            result = parse_when(text, today=WED, prefer=prefer)
        except InvalidInput:
            continue
        assert isinstance(result, When)
        assert 1900 <= result.day.year <= 2200


@given(st.lists(st.sampled_from(DATE_WORDS), min_size=1, max_size=5), todays)
def test_any_mix_of_date_words_gives_a_when_or_invalid_input(words, today):
    text = " ".join(words)
    try:
        result = parse_when(text, today=today)
    except InvalidInput:
        return
    assert isinstance(result, When)
    assert result.time is None or result.time.second == 0


@given(st.text())
def test_any_text_gives_a_time_or_invalid_input(text):
    try:
        result = parse_time(text)
    except InvalidInput:
        return
    assert isinstance(result, time) and result.second == 0


# --- When ---------------------------------------------------------------------------------------


def test_when_iso_and_naive():
    assert When(FRI).iso() == "2026-12-04"
    assert When(FRI, time(9)).iso() == "2026-12-04T09:00"
    assert When(FRI).naive() == datetime(2026, 12, 4)
    assert When(FRI, time(9, 30)).naive() == datetime(2026, 12, 4, 9, 30)
    assert When(FRI, time(9, 30, 59, 1)) == When(FRI, time(9, 30))
    with pytest.raises(TypeError):
        When(datetime(2026, 12, 4, 9))  # type: ignore[arg-type]


# --- local time ---------------------------------------------------------------------------------


def test_now_is_today_at_the_current_local_minute(berlin):
    # the frozen clock is 09:30 UTC = 10:30 in Berlin (CET)
    assert parse_when("now", today=WED) == When(WED, time(10, 30))
    assert parse_when("NOW", today=SUN) == When(SUN, time(10, 30))


def test_local_zone_follows_tz_and_has_dst_rules(zone):
    zone("Europe/Berlin")
    berlin = dates.local_zone()
    assert datetime(2026, 7, 1, 12, tzinfo=berlin).utcoffset() == timedelta(hours=2)
    assert datetime(2026, 12, 1, 12, tzinfo=berlin).utcoffset() == timedelta(hours=1)
    zone("America/New_York")
    new_york = dates.local_zone()
    assert datetime(2026, 7, 1, 12, tzinfo=new_york).utcoffset() == timedelta(hours=-4)
    assert datetime(2026, 12, 1, 12, tzinfo=new_york).utcoffset() == timedelta(hours=-5)
    zone("Europe/Berlin")
    assert dates.local_zone() is berlin


def test_a_tz_that_names_no_zone_falls_back_without_failing(zone):
    zone("Not/AZone")
    assert datetime(2026, 7, 1, tzinfo=dates.local_zone()).utcoffset() is not None


def test_local_now_and_today(zone):
    zone("Europe/Berlin")
    assert dates.local_now() == datetime(2026, 11, 22, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert dates.today() == SUN
    zone("Pacific/Honolulu")  # 09:30 UTC is 23:30 the evening before
    assert dates.today() == date(2026, 11, 21)
    assert dates.local_now().hour == 23


def test_local_now_on_a_day(berlin):
    on = dates.local_now(When(WED))
    assert on.date() == WED
    assert (on.hour, on.minute) == (10, 30)  # the current local time of day
    assert on.utcoffset() == timedelta(hours=1)
    assert dates.today(When(WED)) == WED
    at = dates.local_now(When(WED, time(8, 15)))
    assert (at.date(), at.hour, at.minute, at.utcoffset()) == (WED, 8, 15, timedelta(hours=1))
    summer = dates.local_now(When(date(2026, 7, 1), time(9)))
    assert summer.utcoffset() == timedelta(hours=2)


def test_local_now_on_a_time_that_does_not_exist_moves_forward(berlin):
    gap = dates.local_now(When(date(2026, 3, 29), time(2, 30)))
    assert (gap.hour, gap.minute, gap.utcoffset()) == (3, 30, timedelta(hours=2))
    twice = dates.local_now(When(date(2026, 10, 25), time(2, 30)))
    assert (twice.hour, twice.utcoffset()) == (2, timedelta(hours=2))  # the first 02:30


@pytest.mark.parametrize(
    ("when", "stamp"),
    [
        (When(date(2026, 3, 29), time(1, 30)), "2026-03-29T00:30:00Z"),
        (When(date(2026, 3, 29), time(2, 30)), "2026-03-29T01:30:00Z"),  # no 02:30: 03:30 CEST
        (When(date(2026, 3, 29), time(3, 30)), "2026-03-29T01:30:00Z"),
        (When(date(2026, 3, 29), time(4, 0)), "2026-03-29T02:00:00Z"),
        (When(date(2026, 10, 25), time(1, 30)), "2026-10-24T23:30:00Z"),
        (When(date(2026, 10, 25), time(2, 30)), "2026-10-25T00:30:00Z"),  # the first of two
        (When(date(2026, 10, 25), time(3, 30)), "2026-10-25T02:30:00Z"),
        (When(date(2026, 7, 1)), "2026-07-01T10:00:00Z"),  # all-day: local noon
        (When(date(2026, 12, 2)), "2026-12-02T11:00:00Z"),
        (When(date(2026, 12, 2), time(0, 0)), "2026-12-01T23:00:00Z"),
    ],
)
def test_to_utc_stamp_across_dst_changes(berlin, when, stamp):
    assert dates.to_utc_stamp(when) == stamp
    assert dates.to_utc_stamp(when, ZoneInfo("Europe/Berlin")) == stamp


def test_to_utc_stamp_with_a_zone_given(zone):
    zone("UTC")
    assert dates.to_utc_stamp(When(WED, time(9))) == "2026-12-02T09:00:00Z"
    assert dates.to_utc_stamp(When(WED, time(9)), ZoneInfo("Asia/Tokyo")) == "2026-12-02T00:00:00Z"
    assert dates.to_utc_stamp(When(WED), ZoneInfo("America/New_York")) == "2026-12-02T17:00:00Z"
    # New York's spring-forward gap: 02:30 does not exist and becomes 03:30 EDT
    spring = When(date(2026, 3, 8), time(2, 30))
    assert dates.to_utc_stamp(spring, ZoneInfo("America/New_York")) == "2026-03-08T07:30:00Z"


def test_stamps_back_to_local(berlin):
    assert dates.local_date("2026-11-22T23:30:00Z") == date(2026, 11, 23)
    assert dates.local_date("2026-11-22T22:59:59Z") == SUN
    first = dates.local_datetime("2026-10-25T00:30:00Z")
    second = dates.local_datetime("2026-10-25T01:30:00Z")
    assert (first.hour, first.minute) == (second.hour, second.minute) == (2, 30)
    assert first.utcoffset() == timedelta(hours=2) and second.utcoffset() == timedelta(hours=1)
    assert dates.local_date("2026-11-22T23:30:00Z", ZoneInfo("UTC")) == SUN
    with pytest.raises(ValueError):
        dates.local_date("2026-11-22T23:30:00")
    with pytest.raises(ValueError):
        dates.local_date("yesterday")


@given(days, st.times())
def test_stamps_round_trip_through_utc(day, at):
    zone = ZoneInfo("Europe/Berlin")
    when = When(day, at.replace(second=0, microsecond=0))
    back = dates.local_datetime(dates.to_utc_stamp(when, zone), zone)
    moved = datetime.combine(back.date(), back.time()) - when.naive()
    assert timedelta(0) <= moved <= timedelta(hours=2)  # 0, or forward out of a gap
    assert dates.local_date(dates.to_utc_stamp(When(day), zone), zone) == day


def test_days_between_and_humanize():
    assert dates.days_between(WED, FRI) == 2
    assert dates.days_between(FRI, WED) == -2
    assert dates.humanize_days(0) == "today"
    assert dates.humanize_days(1) == "tomorrow"
    assert dates.humanize_days(-1) == "yesterday"
    assert dates.humanize_days(3) == "in 3 days"
    assert dates.humanize_days(-3) == "3 days ago"


def test_the_parser_needs_no_dateutil_parser():
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from minicrm.core import dateparse, dates, recurrence\n"
        "for text in dateparse.DATE_FORMS.removeprefix('e.g. ').split(', ') + ['+1m', 'now']:\n"
        "    dateparse.parse_when(text, today=date(2026, 12, 2))\n"
        "dates.to_utc_stamp(dates.When(date(2026, 12, 2)))\n"
        "rule = recurrence.parse_rule('RRULE:FREQ=MONTHLY;BYMONTHDAY=15')\n"
        "from datetime import datetime\n"
        "recurrence.next_occurrence(rule, anchor=datetime(2026, 1, 1), after=datetime(2026, 5, 1))\n"
        "print('dateutil.parser' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    "name",
    ["Europe/Berlin", ":Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"],
)
def test_a_posix_tz_string_means_the_same_zone_as_its_iana_name(zone, name):
    # zoneinfo reads IANA names; a POSIX rule string falls back to dateutil. Both must
    # place the spring-forward gap and the autumn overlap the same way.
    zone(name)
    assert dates.to_utc_stamp(When(date(2026, 3, 29), time(2, 30))) == "2026-03-29T01:30:00Z"
    assert dates.to_utc_stamp(When(date(2026, 10, 25), time(2, 30))) == "2026-10-25T00:30:00Z"
    assert dates.to_utc_stamp(When(date(2026, 7, 1), time(9, 0))) == "2026-07-01T07:00:00Z"
