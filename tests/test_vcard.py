"""vCard import and export (minicrm.interchange.formats.vcard): real exporters' files, hostile input,
and a property-based round trip for vCard 3.0 and 4.0."""

from __future__ import annotations

import base64
import re
import string
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minicrm.contacts.models import Contact, Labelled
from minicrm.core.errors import InvalidInput
from minicrm.core.models import Ref
from minicrm.interchange.formats.vcard import parse_vcards, to_vcard, to_vcards
from minicrm.interchange.formats.vcard.write import split_name
from minicrm.interchange.incoming import Incoming, RecordError

DATA = Path(__file__).parent / "data" / "vcard"


def read(name: str) -> list[Incoming | RecordError]:
    return list(parse_vcards((DATA / name).read_bytes().decode("utf-8-sig"), source=name))


def one(text: str) -> Incoming:
    [record] = parse_vcards(text)
    assert isinstance(record, Incoming), record
    return record


def error(text: str) -> RecordError:
    [record] = parse_vcards(text)
    assert isinstance(record, RecordError), record
    return record


def card(*lines: str, version: str = "3.0") -> str:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD", ""])


def contact(**fields) -> Contact:
    fields.setdefault("id", 1)
    fields.setdefault("uid", "6f1c7a52-3b5e-4d61-9c0e-2a8b4f9d1e37")
    fields.setdefault("name", "Jane Doe")
    return Contact(**fields)


def physical_lines(text: str) -> list[str]:
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    return text[:-2].split("\r\n")


def unfolded(text: str) -> list[str]:
    return text.replace("\r\n ", "")[:-2].split("\r\n")


# -- what real exporters write ----------------------------------------------------------


def test_apple_contacts_3_0():
    maja, company = read("apple.vcf")
    assert isinstance(maja, Incoming) and isinstance(company, Incoming)
    assert maja.position == "card 1 (line 1) of apple.vcf"
    assert (maja.name, maja.given_name, maja.family_name) == (
        "Dr. Maja Elise Lindqvist",
        "Maja",
        "Lindqvist",
    )
    assert (maja.nickname, maja.title, maja.company) == (
        "Maj",
        "Head of Sensors",
        "Nordvik Instruments AB",
    )
    assert maja.emails == [
        ("work", "maja.lindqvist@nordvik.example"),
        ("home", "maja@lindqvist.example"),
        ("other", "maja.l@oldmail.example"),  # item1.X-ABLabel:_$!<Other>!$_
    ]
    assert maja.phones == [
        ("iphone", "+46 70 123 45 67"),
        ("work", "+46 8 555 010 20"),
        ("fax", "+46 8 555 010 29"),  # WORK,FAX: the more specific one
    ]
    assert maja.addresses == [
        ("work", "Kungsgatan 12\nPlan 4\nStockholm 111 43\nSweden"),
        ("home", "Ringvägen 3\nUppsala 752 31\nSweden"),
    ]
    assert maja.urls == [
        ("homepage", "https://nordvik.example/maja"),  # "https\://" unescaped
        ("blog", "https://blog.lindqvist.example"),
        ("twitter", "https://twitter.com/majalindqvist"),
        ("skype", "skype:maja.lindqvist"),
    ]
    assert maja.birthday == "--03-09"  # BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-09
    assert maja.dates == [("anniversary", "2012-06-16")]
    assert maja.tags == ["Conference", "Partners"]
    assert maja.notes == (
        "Met at Sensors Expo 2024, booth 12.\nPrefers email; calls only before 10:00."
    )
    assert maja.photo is not None and maja.photo.startswith("PHOTO;ENCODING=b;TYPE=JPEG:/9j/")
    assert base64.b64decode(maja.photo.split(":", 1)[1])[:2] == b"\xff\xd8"
    assert maja.vcard_extra == [
        "N:Lindqvist;Maja;Elise;Dr.;",  # the middle name and prefix, for writing back
        "ORG:Nordvik Instruments AB;Research",  # the department
        "item2.X-ABADR:se",
        "item3.X-ABADR:se",
        "item7.X-ABRELATEDNAMES;TYPE=pref:Erik Lindqvist",
        "item7.X-ABLABEL:_$!<Spouse>!$_",
        "X-ABUID:2D2C4B7A-7A9E-4F0B-9C5E-3B1F7E6A1C11\\:ABPerson",
    ]
    assert maja.uid is None and maja.custom == {}

    assert company.position == "card 2 (line 45) of apple.vcf"
    assert (company.name, company.company) == ("Nordvik Instruments AB",) * 2
    assert (company.given_name, company.family_name) == (None, None)
    assert company.phones == [("main", "+46 8 555 010 00")]
    assert company.emails == [("other", "info@nordvik.example")]
    assert "X-ABSHOWAS:COMPANY" in company.vcard_extra


def test_google_contacts_3_0():
    tomasz, aiko = read("google.vcf")
    assert isinstance(tomasz, Incoming) and isinstance(aiko, Incoming)
    assert (tomasz.name, tomasz.given_name, tomasz.family_name) == (
        "Tomasz Wiśniewski",
        "Tomasz",
        "Wiśniewski",
    )
    assert (tomasz.company, tomasz.title) == ("Kopalnia Danych Sp. z o.o.", "Data Engineer")
    assert tomasz.emails == [
        ("work", "t.wisniewski@kopalnia.example"),
        ("home", "tomek.w@poczta.example"),
    ]
    assert tomasz.phones == [("mobile", "+48 601 234 567"), ("work", "+48 22 555 01 00")]
    assert tomasz.addresses == [
        ("work", "ul. Marszałkowska 10/12\nWarszawa mazowieckie 00-590\nPolska")
    ]
    assert tomasz.urls == [("github", "https://github.com/twisniewski")]
    assert tomasz.birthday == "1988-11-23"
    assert tomasz.tags == ["starred", "PyWaw"]  # Google's "myContacts" is not a tag
    assert tomasz.notes == "Introduced by Ola, via the PyWaw meetup."
    assert tomasz.vcard_extra == []  # the empty item1/item2 X-ABLabels went with ORG/TITLE
    assert aiko.emails == [(None, "aiko.tanaka@example.jp")]
    assert aiko.birthday == "--07-04"
    assert aiko.tags == []


def test_nextcloud_vcard_4_0():
    [camille] = read("nextcloud.vcf")
    assert isinstance(camille, Incoming)
    assert camille.uid == "3f6c1e9a-8d2b-4c71-9a55-1e2f3a4b5c6d"  # urn:uuid: dropped
    assert (camille.name, camille.company) == ("Camille Gagnon", "Laboratoire Boréal")
    assert camille.birthday == "--02-03"  # BDAY:--0203
    assert camille.dates == [("anniversary", "2009-08-08")]  # a date-time: its date
    assert camille.emails == [  # PREF=1 first
        ("home", "camille@gagnon.example"),
        ("work", "camille.gagnon@boreal.example"),
    ]
    assert camille.phones == [  # tel: URIs as numbers, ;ext= as an extension
        ("work", "+1-514-555-0142 ext. 102"),
        ("mobile", "+1-514-555-0199"),
    ]
    assert camille.addresses == [
        ("work", "1200 rue Sherbrooke\nSuite B-210\nMontréal QC H3A 2R7\nCanada")
    ]
    assert camille.urls == [
        ("home", "https://camille.example"),
        ("xmpp", "xmpp:camille@jabber.example"),
    ]
    assert camille.tags == ["research", "montréal"]
    assert camille.photo is not None
    assert camille.photo.startswith("PHOTO:data:image/jpeg;base64,/9j/")  # not cut at the comma
    assert camille.vcard_extra == [
        "N:Gagnon;Camille;;;ing. jr,M.Sc.",
        "KIND:individual",
        "GENDER:F",
        "LANG;PREF=1:fr",
        "LANG;PREF=2:en",
        "GEO;TYPE=work:geo:45.504,-73.577",
        "KEY;TYPE=work;VALUE=uri:https://boreal.example/camille.asc",
        "TZ:-0500",
    ]


def test_android_2_1_quoted_printable_korean():
    hong, park = read("android21.vcf")
    assert isinstance(hong, Incoming) and isinstance(park, Incoming)
    assert (hong.name, hong.family_name, hong.given_name) == ("홍길동", "홍", "길동")
    assert (hong.company, hong.title) == ("한빛전자", "과장")
    assert hong.phones == [  # bare 2.1 types; PREF first
        ("mobile", "010-1234-5678"),
        ("home", "02-312-4567"),
        ("fax", "02-312-4599"),
    ]
    assert hong.emails == [("home", "gildong.hong@example.kr")]
    assert hong.addresses == [("home", "세종대로 110\n서울특별시 04524\n대한민국")]
    # soft line breaks joined, =0D=0A a newline
    assert hong.notes == "2023년 부산 전시회에서 만남.\n수요일 오후에 통화 가능. 견적서 요청함."
    assert hong.birthday == "1985-03-01"
    assert hong.vcard_extra == [
        "X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname;길동이;1;;;;;;;;;;;;;"
    ]
    # ENCODING=BASE64;JPEG (2.1) as vobject writes it in 3.0
    assert hong.photo is not None and hong.photo.startswith("PHOTO;ENCODING=b;TYPE=JPEG:/9j/")
    assert park.position == "card 2 (line 25) of android21.vcf"
    assert park.phones == [("mobile", "010-9876-5432")]
    assert park.emails == [("work", "jisoo.park@example.kr")]


def test_text_birthdays_are_kept_as_text_and_impossible_ones_are_errors():
    ada, typo, basic, month_day = read("text_bday.vcf")
    assert isinstance(ada, Incoming)
    assert ada.birthday is None and ada.dates == []
    assert ada.custom == {"birthday_text": "circa 1815", "anniversary_text": "summer 1835"}
    assert ada.vcard_extra == ["BDAY;VALUE=text:circa 1815", "ANNIVERSARY;VALUE=text:summer 1835"]
    assert isinstance(typo, RecordError)  # 2026-02-30: a typo, not a text (issue 15.6)
    assert typo.message == "BDAY '2026-02-30' is an impossible date"
    assert isinstance(basic, Incoming) and basic.birthday == "1990-05-17"  # BDAY:19900517
    assert basic.dates == [("anniversary", "2015-09-12")]  # X-ANNIVERSARY (Evolution)
    assert isinstance(month_day, Incoming) and month_day.birthday == "--02-29"


def test_one_bad_card_in_the_middle_does_not_stop_the_others():
    first, bad, last = read("team_with_bad_card.vcf")
    assert isinstance(first, Incoming) and first.name == "Priya Raman"
    assert isinstance(bad, RecordError)
    assert bad.position == "card 2 (line 8) of team_with_bad_card.vcf"
    assert "this line lost its property name" in bad.message
    assert isinstance(last, Incoming) and last.name == "Luis Ortega"
    assert last.position == "card 3 (line 14) of team_with_bad_card.vcf"


@pytest.mark.parametrize("name", ["apple.vcf", "google.vcf", "nextcloud.vcf", "android21.vcf"])
def test_real_exports_pass_the_import_domain(name):
    from minicrm.interchange.prepare import prepare

    for record in read(name):
        assert isinstance(record, Incoming)
        prepare(record)  # raises RecordError if a value is not accepted


# -- hostile and broken input -----------------------------------------------------------


def test_empty_file_and_a_file_that_is_not_a_vcard():
    assert [str(e) for e in parse_vcards("")] == ["card 1: no vCard found"]
    found = list(parse_vcards("name,email\nJane,jane@acme.io\n", source="people.csv"))
    assert [(e.position, e.message) for e in found] == [("card 1 of people.csv", "no vCard found")]


def test_a_thousand_nested_begins_are_refused_without_recursion():
    text = "BEGIN:VCARD\r\n" * 1000 + "FN:Deep\r\n" + "END:VCARD\r\n" * 1000
    text += card("FN:After")
    started = time.monotonic()
    deep, after = parse_vcards(text)
    assert time.monotonic() - started < 2
    assert isinstance(deep, RecordError) and "nested more than 20 levels" in deep.message
    assert isinstance(after, Incoming) and after.name == "After"
    assert after.position == "card 2 (line 2002)"
    unterminated = list(parse_vcards("BEGIN:VCARD\n" * 1000))
    assert len(unterminated) == 1 and isinstance(unterminated[0], RecordError)


def test_nested_card_within_the_limit_is_skipped():
    record = one(card("FN:Outer", "AGENT:", "BEGIN:VCARD", "FN:Inner", "END:VCARD", "NOTE:kept"))
    assert (record.name, record.notes) == ("Outer", "kept")
    assert record.vcard_extra == ["AGENT:"]


def test_bad_base64_photo_is_a_record_error():
    bad = error(card("FN:Jane", "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg!!notbase64"))
    assert bad.message == "PHOTO is not valid base64"
    bad = error(card("FN:Jane", "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgA"))  # padding
    assert bad.message == "PHOTO is not valid base64"


def test_control_characters_are_passed_on_as_the_card_has_them():
    # the import stores them as any text (NUL becomes U+2400 there); display escapes them
    assert one(card("FN:Ja\x00ne")).name == "Ja\x00ne"
    assert one(card("FN:Jane", "EMAIL:ja\x1bne@acme.io")).emails == [(None, "ja\x1bne@acme.io")]
    assert one(card("FN:Jane\\nDoe")).name == "Jane\nDoe"
    assert one(card("FN:Jane", "X-FOO:a\x07b")).vcard_extra == ["X-FOO:a\x07b"]
    qp = "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ja=00ne"
    assert one(card(qp, version="2.1")).name == "Ja\x00ne"
    # newlines and tabs are text in NOTE and ADR
    record = one(card("FN:Jane", "NOTE:line one\\nline\ttwo", "ADR:;;1 Main St\\nUnit 2;;;;"))
    assert record.notes == "line one\nline\ttwo"
    assert record.addresses == [(None, "1 Main St\nUnit 2")]


def test_a_line_that_makes_vobjects_regex_backtrack_is_refused_quickly():
    # vobject.base.parseLine needs minutes to fail on this line (exponential backtracking)
    started = time.monotonic()
    bad = error(card("FN:Jane", "X-SERVICE;TYPE=" + ",a" * 40 + ";"))
    assert time.monotonic() - started < 1
    assert bad.message.startswith("cannot read the line")


def test_unterminated_last_card_and_text_outside_cards():
    found = list(parse_vcards(card("FN:One") + "BEGIN:VCARD\r\nFN:Two\r\n", source="x.vcf"))
    assert isinstance(found[0], Incoming)
    assert isinstance(found[1], RecordError)
    assert found[1].position == "card 2 (line 5) of x.vcf"
    assert "END:VCARD is missing" in found[1].message
    found = list(parse_vcards("garbage first\n" + card("FN:One") + "END:VCARD\r\n"))
    assert [type(r).__name__ for r in found] == ["RecordError", "Incoming", "RecordError"]
    assert found[0].position == "line 1" and "text outside a vCard" in found[0].message
    assert found[2].position == "line 6"


def test_mismatched_end_and_nameless_cards():
    assert "closed by END:VCALENDAR" in error("BEGIN:VCARD\nFN:X\nEND:VCALENDAR\n").message
    assert error(card("N:;;;;", "NOTE:who?")).message.startswith("card has no name")


def test_vobject_hazards_that_would_lose_data():
    record = one(
        card(
            "FN:Doe, Jane",  # vobject's readOne keeps "Doe"
            "NOTE:ends with a backslash\\",  # readOne makes it "...\\eof"
            "TITLE;ENCODING=8BIT:Chief, Things",  # readOne base64-decodes it
            "X-CUSTOM:a,b\\,c",
        )
    )
    assert record.name == "Doe, Jane"
    assert record.notes == "ends with a backslash\\"
    assert record.title == "Chief, Things"
    assert record.vcard_extra == ["X-CUSTOM:a,b\\,c"]


def test_lowercase_quoted_printable_and_unknown_charset():
    record = one(card("FN;charset=utf-8;encoding=quoted-printable:Jos=C3=A9", version="2.1"))
    assert record.name == "José"
    latin = one(card("FN;CHARSET=ISO-8859-1;QUOTED-PRINTABLE:Jos=E9", version="2.1"))
    assert latin.name == "José"
    bad = error(card("FN;CHARSET=X-NOPE;ENCODING=QUOTED-PRINTABLE:Jos=E9", version="2.1"))
    assert bad.message.startswith("cannot decode FN")


def test_name_is_built_when_there_is_no_fn():
    assert one(card("N:Doe;Jane;;;")).name == "Jane Doe"
    assert one(card("ORG:Acme Inc.")).name == "Acme Inc."
    assert one(card("EMAIL:jane@acme.io")).name == "jane@acme.io"


def test_labels_and_the_preferred_entry():
    record = one(
        card(
            "TEL;TYPE=HOME:1",
            "TEL;TYPE=WORK,FAX:2",
            "TEL;TYPE=X-ASSISTANT:3",
            "TEL;TYPE=VOICE;TYPE=PREF:4",
            "item1.TEL;TYPE=CELL:5",
            "item1.X-ABLabel:Sat phone",
            "EMAIL;TYPE=INTERNET:a@x.io",
            "EMAIL;TYPE=OTHER:b@x.io",
            "FN:Jane",
        )
    )
    assert record.phones == [
        (None, "4"),  # pref first; voice/pref are not labels
        ("home", "1"),
        ("fax", "2"),
        ("assistant", "3"),
        ("sat-phone", "5"),  # X-ABLabel wins over TYPE
    ]
    assert record.emails == [(None, "a@x.io"), ("other", "b@x.io")]
    record = one(card("FN:J", "EMAIL;PREF=2:b@x.io", "EMAIL;PREF=1:a@x.io", "EMAIL:c@x.io"))
    assert [v for _l, v in record.emails] == ["a@x.io", "b@x.io", "c@x.io"]


def test_lone_labels_and_repeated_properties_are_kept():
    record = one(
        card(
            "FN:Jane",
            "FN:Jane Again",
            "TITLE:First",
            "TITLE:Second",
            "item9.X-ABLabel:orphan",
            "NOTE:one",
            "NOTE:two",
            "NICKNAME:JJ,Janie",
            "CATEGORIES:a,b\\,c",
            "CATEGORIES:d",
        )
    )
    assert (record.name, record.title, record.notes) == ("Jane", "First", "one\n\ntwo")
    assert record.nickname == "JJ, Janie"
    assert record.tags == ["a", "b,c", "d"]
    assert record.vcard_extra == ["TITLE:Second", "item9.X-ABLABEL:orphan"]


def test_files_joined_with_their_byte_order_marks():
    joined = "\ufeff" + card("FN:A") + "\ufeff" + card("FN:B")
    assert [r.name for r in parse_vcards(joined)] == ["A", "B"]


def test_positions_without_source_and_line_numbers():
    found = list(parse_vcards("\n\n" + card("FN:A") + "\n" + card("FN:B")))
    assert [r.position for r in found] == ["card 1 (line 3)", "card 2 (line 8)"]


# -- writing ------------------------------------------------------------------------------


def test_writes_a_valid_4_0_card():
    c = contact(
        given_name="Jane",
        family_name="Doe",
        company=Ref(1, "c1", "Acme, Inc."),
        title="CTO",
        emails=(Labelled("jane@acme.io", "work"), Labelled("jd@home.example", "blog")),
        phones=(Labelled("+1 555 0100", "mobile"),),
        birthday="--05-17",
        dates=(Labelled("2010-06-12", "anniversary"), Labelled("2001-09-01", "graduation")),
        tags=("vip", "q3-2026"),
        notes="Line one\nLine two; with, punctuation \\ done",
        updated_at="2026-11-22T09:30:00Z",
    )
    text = to_vcard(c)
    lines = physical_lines(text)
    assert lines[:4] == [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "PRODID:-//minicrm//EN",
        "UID:urn:uuid:6f1c7a52-3b5e-4d61-9c0e-2a8b4f9d1e37",
    ]
    assert lines[-1] == "END:VCARD"
    body = unfolded(text)
    assert "FN:Jane Doe" in body
    assert "N:Doe;Jane;;;" in body
    assert "ORG:Acme\\, Inc." in body
    assert "EMAIL;PREF=1;TYPE=work:jane@acme.io" in body
    assert "item1.EMAIL:jd@home.example" in body and "item1.X-ABLABEL:blog" in body
    assert "TEL;TYPE=cell:+1 555 0100" in body
    assert "BDAY:--0517" in body  # RFC 6350 date without year
    assert "ANNIVERSARY:20100612" in body
    assert "item2.X-ABDATE:20010901" in body and "item2.X-ABLABEL:graduation" in body
    assert "CATEGORIES:vip,q3-2026" in body
    assert "NOTE:Line one\\nLine two\\; with\\, punctuation \\\\ done" in body
    assert "REV:20261122T093000Z" in body


def test_writes_a_3_0_card_the_way_apple_reads_it():
    c = contact(
        birthday="--02-29",
        dates=(Labelled("--06-12", "anniversary"),),
        phones=(Labelled("1", "main"), Labelled("2", "other"), Labelled("3", None)),
        urls=(Labelled("https://jane.example", "homepage"),),
        uid="not-a-uuid",
        updated_at="2026-11-22T09:30:00+00:00",
    )
    body = unfolded(to_vcard(c, version="3.0"))
    assert body[1] == "VERSION:3.0"
    assert "UID:not-a-uuid" in body
    assert "N:Doe;Jane;;;" in body  # required in 3.0, filled from the name (issue 17)
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-02-29" in body
    assert "TEL;TYPE=main,pref:1" in body
    assert "item1.TEL:2" in body and "item1.X-ABLABEL:_$!<Other>!$_" in body
    assert "TEL:3" in body
    assert "item2.URL:https://jane.example" in body
    assert "item2.X-ABLABEL:_$!<HomePage>!$_" in body
    assert "item3.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-06-12" in body
    assert "item3.X-ABLABEL:_$!<Anniversary>!$_" in body
    assert "REV:2026-11-22T09:30:00Z" in body
    back = one(to_vcard(c, version="3.0"))
    assert back.birthday == "--02-29" and back.dates == [("anniversary", "--06-12")]
    assert back.phones == [("main", "1"), ("other", "2"), (None, "3")]


def test_uid_that_is_not_a_uuid_in_4_0():
    body = unfolded(to_vcard(contact(uid="crm-42")))
    assert "UID;VALUE=text:crm-42" in body
    assert one(to_vcard(contact(uid="crm-42"))).uid == "crm-42"


def test_lines_are_folded_at_75_octets_without_splitting_characters():
    name = "홍길동" * 12 + "😀" * 10  # 36 Korean letters: fewer than 75 characters
    text = to_vcard(contact(name=name, notes="x" * 400))
    for line in physical_lines(text):
        assert len(line.encode("utf-8")) <= 75
    assert f"FN:{name}" in unfolded(text)
    assert one(text).name == name


def test_groups_of_kept_lines_are_not_reused():
    c = contact(
        emails=(Labelled("a@x.io", "blog"),),
        vcard_extra=("item1.X-ABRELATEDNAMES:Bob", "item1.X-ABLABEL:_$!<Friend>!$_"),
    )
    body = unfolded(to_vcard(c))
    assert "item2.EMAIL:a@x.io" in body and "item2.X-ABLABEL:blog" in body
    back = one(to_vcard(c))
    assert back.emails == [("blog", "a@x.io")]
    assert back.vcard_extra == list(c.vcard_extra)


def test_kept_name_parts_and_department_are_written_back_while_they_match():
    c = contact(
        given_name="Maja",
        family_name="Lindqvist",
        company=Ref(1, "c", "Nordvik AB"),
        vcard_extra=("N:Lindqvist;Maja;Elise;Dr.;", "ORG:Nordvik AB;Research"),
    )
    body = unfolded(to_vcard(c))
    assert "N:Lindqvist;Maja;Elise;Dr.;" in body and "ORG:Nordvik AB;Research" in body
    assert body.count("ORG:Nordvik AB;Research") == 1 and not any(
        line.startswith("N:") and line != "N:Lindqvist;Maja;Elise;Dr.;" for line in body
    )
    back = one(to_vcard(c))
    assert back.vcard_extra == list(c.vcard_extra)
    # renamed and moved company: the kept lines are out of date and dropped
    moved = contact(
        given_name="Maja",
        family_name="Berg",
        company=Ref(2, "d", "Other AB"),
        vcard_extra=c.vcard_extra,
    )
    body = unfolded(to_vcard(moved))
    assert "N:Berg;Maja;;;" in body and "ORG:Other AB" in body
    assert not any("Lindqvist" in line or "Research" in line for line in body)


def test_a_text_birthday_is_written_back_until_there_is_a_real_one():
    kept = ("BDAY;VALUE=text:circa 1815", "X-JABBER;TYPE=work:ada@jabber.example")
    c = contact(custom={"birthday_text": "circa 1815"}, vcard_extra=kept)
    assert "BDAY;VALUE=text:circa 1815" in unfolded(to_vcard(c))
    back = one(to_vcard(c))
    assert back.custom == {"birthday_text": "circa 1815"} and back.vcard_extra == list(kept)
    dated = contact(birthday="1815-12-10", vcard_extra=kept)
    body = unfolded(to_vcard(dated))
    assert "BDAY:18151210" in body and "BDAY;VALUE=text:circa 1815" not in body


def test_kept_lines_that_cannot_be_written_are_skipped():
    c = contact(
        vcard_extra=(
            "VERSION:2.1",
            "END:VCARD",
            "no colon here",
            "X-BROKEN:line\r\nEND:VCARD",
            "X-GOOD:yes",
            "",
        )
    )
    body = unfolded(to_vcard(c))
    assert "X-GOOD:yes" in body
    assert body.count("END:VCARD") == 1 and body.count("VERSION:4.0") == 1
    assert not any("no colon" in line or "2.1" in line for line in body)


def test_photo_is_converted_between_versions_and_can_be_left_out():
    data = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(range(200))).decode()
    v3 = f"PHOTO;ENCODING=b;TYPE=JPEG:{data}"
    v4 = f"PHOTO:data:image/jpeg;base64,{data}"
    assert one(to_vcard(contact(photo=v3), version="3.0")).photo == v3
    assert one(to_vcard(contact(photo=v3), version="4.0")).photo == v4
    assert one(to_vcard(contact(photo=v4), version="3.0")).photo == v3
    escaped = f"PHOTO:data:image/png;base64\\,{data}"  # as vobject-based tools write it
    assert one(to_vcard(contact(photo=escaped), version="3.0")).photo == (
        f"PHOTO;ENCODING=b;TYPE=PNG:{data}"
    )
    link = "PHOTO:https://example.com/jane.jpg"
    assert one(to_vcard(contact(photo=link), version="3.0")).photo == (
        "PHOTO;VALUE=uri:https://example.com/jane.jpg"
    )
    assert one(to_vcard(contact(photo=link), version="4.0")).photo == link
    assert "PHOTO" not in to_vcard(contact(photo=v3), include_photo=False)


def test_unknown_version_is_refused():
    with pytest.raises(InvalidInput):
        to_vcard(contact(), version="2.1")


def test_many_cards_in_one_file():
    people = [contact(id=i, uid=f"uid-{i}", name=f"Person {i}") for i in range(1, 4)]
    text = to_vcards(people, version="3.0")
    assert [r.name for r in parse_vcards(text)] == ["Person 1", "Person 2", "Person 3"]
    assert to_vcards([]) == ""


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_vobject_reads_what_is_written(version):
    import vobject

    c = contact(
        given_name="Jane",
        family_name="Doe",
        emails=(Labelled("jane@acme.io", "work"),),
        addresses=(Labelled("1 Main St\nSpringfield", "home"),),
        birthday="--05-17",
        photo="PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ",
    )
    parsed = vobject.readOne(to_vcard(c, version=version))
    assert parsed.fn.value == "Jane Doe"
    assert parsed.n.value.family == "Doe"
    assert parsed.version.value == version


# -- round trip -----------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [",", ";", "\\", ":", "\\n", '"', "=", "홍길동", "😀", "é", "\u2028", " ", "BEGIN:VCARD"]
)
_CHARS = st.characters(blacklist_categories=("Cs", "Cc"))


def _text(*, multiline: bool = False, max_pieces: int = 6) -> st.SearchStrategy[str]:
    pieces = [_PIECES, st.text(_CHARS, max_size=12)]
    if multiline:
        pieces.append(st.sampled_from(["\n", "\t", "\n\n"]))
    return (
        st.lists(st.one_of(*pieces), min_size=1, max_size=max_pieces)
        .map(lambda parts: "".join(parts).strip())
        .filter(bool)
    )


_LABELS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "work",
            "home",
            "mobile",
            "cell",
            "fax",
            "pager",
            "main",
            "iphone",
            "other",
            "homepage",
            "text",
            "voice",
            "pref",
            "internet",
            "x-custom",
        ]
    ),
    st.from_regex(r"[a-z][a-z0-9_-]{0,23}", fullmatch=True),
)


def _labelled(values: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[Labelled, ...]]:
    item = st.builds(Labelled, values, _LABELS)
    return st.lists(item, max_size=4).map(tuple)


def _single() -> st.SearchStrategy[str]:
    return _text().filter(lambda v: not v.lower().startswith(("mailto:", "tel:")))


_DATES = st.one_of(
    st.dates(min_value=date(1850, 1, 1)).map(lambda d: d.isoformat()),
    st.dates().map(lambda d: f"--{d.month:02d}-{d.day:02d}"),
    st.just("--02-29"),
)
_TAGS = st.from_regex(r"[^\W_][\w.:/+-]{0,12}", fullmatch=True).map(str.casefold)
_EXTRA = st.builds(
    lambda group, name, typed, text: (
        f"{group + '.' if group else ''}{name}{';TYPE=work' if typed else ''}:{text}"
    ),
    st.sampled_from([None, "item1", "item2", "item5", "g"]),
    st.sampled_from(["X-JABBER", "X-AIM", "ROLE", "X-FOO-BAR", "GENDER", "X-ABRELATEDNAMES"]),
    st.booleans(),
    _text(),
)


def _photo(version: str) -> st.SearchStrategy[str | None]:
    data = st.binary(min_size=1, max_size=120).map(lambda b: base64.b64encode(b).decode())
    if version == "3.0":
        inline = data.map(lambda d: f"PHOTO;ENCODING=b;TYPE=JPEG:{d}")
        link = st.just("PHOTO;VALUE=uri:https://example.com/p.jpg")
    else:
        inline = data.map(lambda d: f"PHOTO:data:image/jpeg;base64,{d}")
        link = st.just("PHOTO:https://example.com/p,1.jpg")
    return st.one_of(st.none(), inline, link)


def _contacts(version: str) -> st.SearchStrategy[Contact]:
    optional = st.one_of(st.none(), _text())
    return st.builds(
        Contact,
        id=st.just(1),
        uid=st.one_of(
            st.uuids().map(str),
            _text().filter(lambda v: not v.lower().startswith("urn:uuid:")),
        ),
        name=_text(),
        given_name=optional,
        family_name=optional,
        nickname=optional,
        title=optional,
        company=st.one_of(st.none(), st.builds(Ref, st.just(1), st.just("c"), _text())),
        emails=_labelled(_single()),
        phones=_labelled(_single()),
        addresses=_labelled(_text(multiline=True)),
        urls=_labelled(_single()),
        dates=st.lists(
            st.builds(Labelled, _DATES, st.one_of(st.just("anniversary"), _LABELS)), max_size=3
        ).map(tuple),
        birthday=st.one_of(st.none(), _DATES),
        tags=st.lists(_TAGS, max_size=4).map(tuple),
        notes=st.one_of(st.none(), _text(multiline=True, max_pieces=10)),
        vcard_extra=st.lists(_EXTRA, max_size=4).map(tuple),
        photo=_photo(version),
        updated_at=st.sampled_from(["", "2026-11-22T09:30:00Z"]),
    )


def _assert_round_trip(c: Contact, version: str) -> None:
    text = to_vcard(c, version=version)
    for line in physical_lines(text):
        assert len(line.encode("utf-8")) <= 75
        assert not re.match(r"(?i)(BEGIN|END):", line) or line in ("BEGIN:VCARD", "END:VCARD")
    back = one(text)
    assert back.name == c.name
    if c.given_name or c.family_name:
        assert (back.given_name, back.family_name) == (c.given_name, c.family_name)
    else:  # N is filled from the name (issue 17)
        family, given = split_name(c.name, c.company.name if c.company else None)
        assert (back.given_name or "", back.family_name or "") == (given.strip(), family.strip())
    assert (back.nickname, back.title) == (c.nickname, c.title)
    assert back.company == (c.company.name if c.company else None)
    for kind in ("emails", "phones", "addresses", "urls", "dates"):
        assert getattr(back, kind) == [(i.label, i.value) for i in getattr(c, kind)], kind
    assert back.birthday == c.birthday
    assert back.tags == list(c.tags)
    assert back.notes == c.notes
    assert back.uid == c.uid
    assert back.vcard_extra == list(c.vcard_extra)
    assert back.photo == c.photo


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_round_trip(version):
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(_contacts(version))
    def check(c: Contact) -> None:
        _assert_round_trip(c, version)

    check()


def test_round_trip_of_a_full_contact():
    every_char = "".join(ch for ch in string.printable if ch not in "\r\n\x0b\x0c\t").strip()
    c = contact(
        name=f"Jane {every_char} 홍길동 😀",
        given_name="Jane",
        family_name="Doe; Smith, Jr\\",
        nickname="JJ, Janie",
        title="CTO",
        company=Ref(1, "c", "Acme; Inc., \\ Ltd"),
        emails=(Labelled("a@x.io", "work"), Labelled("b@x.io", "pref")),
        phones=(Labelled("+82 10-1234-5678", "mobile"),),
        addresses=(Labelled("세종대로 110\n서울, 04524; 대한민국\\", "home"),),
        urls=(Labelled("https://x.io/a,b;c\\d", "homepage"),),
        dates=(Labelled("2010-06-12", "anniversary"), Labelled("--12-24", None)),
        birthday="1990-05-17",
        tags=("vip", "q3-2026", "홍"),
        notes="Line 1\n\tindented; with, commas \\n literally\n😀",
        vcard_extra=("X-JABBER;TYPE=work:jane@jabber.org", "item1.X-ABRELATEDNAMES:Bob"),
        photo="PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg==",
    )
    _assert_round_trip(c, "3.0")
    _assert_round_trip(replace(c, photo="PHOTO:data:image/jpeg;base64,/9j/4AAQSkZJRg=="), "4.0")
