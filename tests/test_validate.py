"""Parsers and normalisers, property-tested."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minicrm
from minicrm.core import validate
from minicrm.core.errors import InvalidInput

names = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda s: s.strip())


@given(st.text())
def test_key_is_idempotent(text):
    assert validate.key(validate.key(text)) == validate.key(text)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Zoë", "ZOE"), ("  Jane   Doe ", "jane doe"), ("Straße", "STRASSE"), ("Ünal", "unal")],
)
def test_key_ignores_case_accents_and_spacing(a, b):
    assert validate.key(a) == validate.key(b)


@pytest.mark.parametrize(
    "value", ["jane@acme.io", "j.doe+crm@mail.example.co.uk", "zoë@exämple.de", "a_b@x-y.io"]
)
def test_emails_accepted(value):
    assert validate.email(f"  {value} ") == value


@pytest.mark.parametrize(
    "value",
    ["", "jane", "jane@", "@acme.io", "jane@acme", "ja ne@acme.io", "a@@b.io", "a@b..io", "a@b.c"],
)
def test_emails_rejected(value):
    with pytest.raises(InvalidInput):
        validate.email(value)


@given(st.dates(min_value=date(1850, 1, 1), max_value=date(2026, 11, 22)))
def test_every_real_birthday_round_trips(day):
    assert validate.birthday(day.isoformat(), date(2026, 11, 22)) == day.isoformat()
    assert validate.birthday(day.strftime("--%m-%d")) == day.strftime("--%m-%d")
    assert validate.birthday(day.strftime("%B %d %Y"), date(2026, 11, 22)) == day.isoformat()
    assert validate.birthday(day.strftime("%d %b"), date(2026, 11, 22)) == day.strftime("--%m-%d")


@given(st.integers(1, 12), st.integers(1, 40), st.integers(1900, 2025))
def test_impossible_birthdays_are_rejected(month, day, year):
    try:
        date(year, month, day)
    except ValueError:
        with pytest.raises(InvalidInput, match=r"impossible|not a birthday"):
            validate.birthday(f"{year}-{month:02d}-{day:02d}")
    else:
        assert validate.birthday(f"{year}-{month:02d}-{day:02d}", date(2026, 1, 1))


@pytest.mark.parametrize(
    "value", ["03/04/2026", "5", "tomorrow", "2030-01-01", "1700-01-01", "--02-30"]
)
def test_ambiguous_or_out_of_range_birthdays(value):
    with pytest.raises(InvalidInput):
        validate.birthday(value, date(2026, 11, 22))


def test_leap_day_without_year_is_a_birthday():
    assert validate.birthday("--02-29") == "--02-29"


@pytest.mark.parametrize(
    ("value", "days"),
    [("30", 30), ("30d", 30), ("2w", 14), ("3m", 90), ("1y", 365), ("2 weeks", 14), ("none", None)],
)
def test_cadence(value, days):
    assert validate.cadence_days(value) == days


@given(st.text(max_size=12))
def test_cadence_only_accepts_or_raises(value):
    try:
        result = validate.cadence_days(value)
    except InvalidInput as exc:
        assert "30d" in str(exc) or "range" in str(exc)
    else:
        assert result is None or 1 <= result <= 3650


@given(st.text(max_size=30))
def test_phone_key_of_accepted_phone_has_digits(value):
    try:
        phone = validate.phone(value)
    except InvalidInput:
        return
    assert len(validate.phone_key(phone).lstrip("+")) >= 3


def test_labels():
    assert validate.split_label("work:jane@acme.io") == ("work", "jane@acme.io")
    assert validate.split_label("https://x.io") == (None, "https://x.io")
    assert validate.split_label("LinkedIn:https://x.io") == ("linkedin", "https://x.io")
    assert validate.split_label("+1 555") == (None, "+1 555")


@given(st.binary(min_size=1, max_size=20))
def test_invalid_utf8_is_rejected_not_crashing(raw):
    value = raw.decode("utf-8", errors="surrogateescape")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        with pytest.raises(InvalidInput, match="UTF-8"):
            validate.text(value, "name")


# -- references, property-tested over real stores -----------------------------------------


@given(st.lists(names, min_size=1, max_size=6))
def test_every_contact_is_reachable_by_id_and_references_never_pick_silently(name_list):
    store = minicrm.memory_store()
    added = [minicrm.add_contact(store, n) for n in name_list]
    for contact in added:
        assert minicrm.get_contact(store, f"#{contact.id}") == contact
        assert minicrm.get_contact(store, str(contact.id)) == contact
        fragment = contact.name.strip()
        assume(not fragment.lstrip("#").isdigit())
        same_key = [c for c in added if validate.key(c.name) == validate.key(fragment)]
        try:
            found = minicrm.get_contact(store, fragment)
        except minicrm.Ambiguous as exc:
            assert len(same_key) != 1
            assert {cid for cid, _ in exc.candidates} >= {c.id for c in same_key}
        else:
            if len(same_key) == 1:
                assert found == contact
            else:
                assert validate.key(fragment) in validate.key(found.name)


@given(st.lists(st.emails(), min_size=1, max_size=4, unique_by=str.casefold))
def test_contacts_are_found_by_any_email_in_any_case(emails):
    store = minicrm.memory_store()
    try:
        contact = minicrm.add_contact(store, "X", minicrm.ContactChanges(add={"emails": emails}))
    except InvalidInput:
        return  # hypothesis emails include forms we deliberately refuse (quoted locals...)
    for email in emails:
        assert minicrm.get_contact(store, email.upper()).id == contact.id


def test_a_birthday_after_today_is_judged_by_the_clock_not_the_machine(monkeypatch):
    """validate reads "today" from minicrm.core.clock (the frozen clock of the tests, the
    one every --on goes through), never from date.today() (issue 16.6)."""
    from datetime import UTC, datetime

    monkeypatch.setattr("minicrm.core.clock.now", lambda: datetime(2000, 1, 1, 12, tzinfo=UTC))
    with pytest.raises(InvalidInput, match="out of range"):
        validate.birthday("2010-05-17")
    assert validate.birthday("1999-05-17") == "1999-05-17"


def test_a_birthday_today_is_today_in_the_local_zone(monkeypatch, run):
    """23:30 UTC on 22 November is already the 23rd in Auckland: a child born there today
    can be added (the UTC date said the 23rd was tomorrow)."""
    from datetime import UTC, datetime

    monkeypatch.setenv("TZ", "Pacific/Auckland")
    monkeypatch.setattr(
        "minicrm.core.clock.now", lambda: datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    )
    added = run.json("add", "Baby Doe", "--birthday", "2026-11-23")
    assert added["birthday"] == "2026-11-23"


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("may 17", "--05-17"),
        ("17 may 1990", "1990-05-17"),
        ("May 17th, 1990", "1990-05-17"),
        ("17th of may", "--05-17"),
        ("dec. 5 1980", "1980-12-05"),
    ],
)
def test_a_birthday_in_words_reads_as_the_date_language_does(typed, stored):
    """One reader of "a month and a day in words" (core.dateparse.month_day_words) for
    dates and birthdays alike, so `--due "17th of may"` and `--birthday "17th of may"`
    agree."""
    from minicrm.core import dateparse

    assert validate.birthday(typed, date(2026, 11, 22)) == stored
    month, day = int(stored[-5:-3]), int(stored[-2:])
    assert dateparse.parse_date(typed.replace(",", ""), today=date(2026, 11, 22)).timetuple()[
        1:3
    ] == (
        month,
        day,
    )


@pytest.mark.parametrize(
    "noun, message", [("follow-up", "not a follow-up id"), ("interaction", "not an interaction id")]
)
@pytest.mark.parametrize("typed", ["x", "", "#", "1.5", "1" * 19])
def test_a_record_id_is_read_in_one_place(noun, message, typed):
    """core.ids.parse_id: the one reader of ``12`` / ``#12`` for follow-ups, interactions
    and deals (there were three copies)."""
    from minicrm.core.ids import parse_id

    assert parse_id(" #12 ", noun) == 12
    with pytest.raises(InvalidInput, match=message):
        parse_id(typed, noun)


@given(st.text())
def test_any_label_makes_a_valid_tag_or_is_left_for_the_labels_field(label):
    made = validate.tag_of_label(label)  # never raises
    if made is None:  # nothing a tag can hold: kept as written by an import (custom labels)
        assert not any(ch.isalnum() for ch in label.casefold() if ch.isascii())
    else:
        assert validate.tag(made) == made
        assert validate.tag_of_label(made) == made


@given(st.text())
def test_a_label_that_is_a_tag_is_the_tag_typed_input_gives(label):
    try:
        typed = validate.tag(label)
    except InvalidInput:
        return
    assert validate.tag_of_label(label) == typed


@pytest.mark.parametrize(
    ("label", "made"),
    [
        ("Book Club", "book-club"),
        ("Family & Friends", "family-friends"),
        ("Clients (2026)", "clients-2026"),
        ("#VIP", "vip"),
        ("  -- Ärzte / Zürich --", "ärzte-/-zürich"),
        ("***", None),
        ("", None),
    ],
)
def test_the_label_rule(label, made):
    assert validate.tag_of_label(label) == made
