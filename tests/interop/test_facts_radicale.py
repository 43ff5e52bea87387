"""Radicale 3.9, as measured for docs/interop.md ("Radicale"): what it stores (and GET
returns) for what a client PUTs, and what it refuses."""

from __future__ import annotations

import base64

import pytest

from clients import RadicaleAccount, crlf, vcard, vtodo

PNG = base64.b64encode(bytes(range(256)) * 2).decode()


@pytest.fixture
def book(radicale: RadicaleAccount) -> RadicaleAccount:
    radicale.create_addressbook("contacts")
    radicale.create_calendar("tasks", ("VTODO",))
    return radicale


def put_get(account: RadicaleAccount, collection: str, name: str, text: str) -> str:
    status, _, body = account.put(collection, name, text)
    assert status == 201, body
    status, _, got = account.get(collection, name)
    assert status == 200
    assert got == account.stored(collection)[name]  # GET returns the stored bytes
    return got


def test_a_vcard_3_is_rewritten_in_a_fixed_order_upper_cased_and_folded(book: RadicaleAccount):
    sent = vcard(
        "v3-1",
        "Zoë Čapek",
        "N:Čapek;Zoë;;;",
        "X-MINICRM-STAGE:lead",
        "item1.EMAIL;TYPE=INTERNET:zoe@example.org",
        "item1.X-ABLabel:_$!<Other>!$_",
        "TEL;TYPE=CELL:+1 555",
        "NOTE:" + "Ünïcödé " * 20,
        "BDAY:--0412",
        "PHOTO;ENCODING=b;TYPE=PNG:" + PNG,
        "PRODID:-//Apple Inc.//iPhone OS 17.0//EN",
    )
    got = put_get(book, "contacts", "v3.vcf", sent)
    lines = got.split("\r\n")
    assert got.endswith("END:VCARD\r\n")
    names = [line.split(":")[0].split(";")[0] for line in lines if line and line[0] != " "]
    # BEGIN, VERSION, PRODID, UID first; then by property name, groups ignored
    assert names == [
        "BEGIN",
        "VERSION",
        "PRODID",
        "UID",
        "BDAY",
        "item1.EMAIL",
        "FN",
        "N",
        "NOTE",
        "PHOTO",
        "TEL",
        "item1.X-ABLABEL",  # name upper-cased, apart from its group
        "X-MINICRM-STAGE",
        "END",
    ]
    note = [line for line in lines if line.startswith(("NOTE:", " "))]
    assert len(note) == 4
    assert all(len(line.encode()) <= 75 for line in note)  # folded by octets ...
    assert "".join(n[1:] if n[0] == " " else n for n in note) == "NOTE:" + "Ünïcödé " * 20
    photo = next(line for line in lines if line.startswith("PHOTO"))
    assert photo == "PHOTO;ENCODING=b;TYPE=PNG:" + PNG  # ... but base64 is never folded
    assert len(photo) > 700


def test_uids_are_kept_byte_for_byte_in_3_0_and_4_0(book: RadicaleAccount):
    for i, (version, uid) in enumerate(
        [
            ("4.0", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
            ("4.0", "urn:uuid:2b4e28ba-2fa1-11d2-883f-0016d3cca427"),
            ("3.0", "urn:uuid:3b4e28ba-2fa1-11d2-883f-0016d3cca427"),
            ("3.0", "3F2A9C1E-7B55-4B8E-9D77-0C2A1B9E4F10:ABPerson"),
        ]
    ):
        got = put_get(book, "contacts", f"u{i}.vcf", vcard(uid, "Someone", version=version))
        assert f"\r\nUID:{uid}\r\n" in got


def test_a_vcard_4_data_uri_photo_is_destroyed_and_a_3_0_photo_survives(book: RadicaleAccount):
    got = put_get(
        book,
        "contacts",
        "four.vcf",
        vcard("four", "Four", f"PHOTO:data:image/png;base64,{PNG}", version="4.0"),
    )
    assert "\r\nPHOTO:data:image/png\\;base64\r\n" in got  # the image itself is gone
    assert PNG[:40] not in got
    got = put_get(
        book, "contacts", "three.vcf", vcard("three", "Three", f"PHOTO;ENCODING=b;TYPE=PNG:{PNG}")
    )
    assert f"\r\nPHOTO;ENCODING=b;TYPE=PNG:{PNG}\r\n" in got


def test_a_sorted_short_card_is_stored_as_sent_and_lf_becomes_crlf(book: RadicaleAccount):
    sent = vcard("same", "Same Person", "N:Person;Same;;;")
    assert put_get(book, "contacts", "same.vcf", sent) == sent
    got = put_get(book, "contacts", "lf.vcf", sent.replace("same", "lf").replace("\r\n", "\n"))
    assert got == sent.replace("same", "lf")


def test_control_characters_are_stripped_and_a_2_1_bare_type_is_lost(book: RadicaleAccount):
    got = put_get(book, "contacts", "ctl.vcf", vcard("ctl", "Nul\x00Esc\x1b[2JEnd"))
    assert "\r\nFN:NulEsc[2JEnd\r\n" in got
    got = put_get(
        book,
        "contacts",
        "v21.vcf",
        crlf("BEGIN:VCARD", "VERSION:2.1", "UID:v21", "FN:Two One", "TEL;CELL:+1 555", "END:VCARD"),
    )
    assert "\r\nTEL:+1 555\r\n" in got  # CELL is gone
    got = put_get(book, "contacts", "bday.vcf", vcard("bday", "Bad Day", "BDAY:2026-02-30"))
    assert "\r\nBDAY:2026-02-30\r\n" in got  # not a date: accepted as is


def test_a_vtodo_is_sorted_given_a_dtstamp_and_a_vtimezone(book: RadicaleAccount):
    got = put_get(
        book,
        "tasks",
        "t1.ics",
        vtodo(
            "t1",
            "Call Ann",
            "DUE:20261205T100000",
            "DTSTART:20261205T100000",
            "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1",
            "PRIORITY:1",
            "X-MINICRM-CONTACT:abc",
            "DESCRIPTION:Call Ann\\, +49 30 1234\\nann@example.org",
        ),
    )
    body = got.split("BEGIN:VTODO\r\n")[1].split("\r\nEND:VTODO")[0].split("\r\n")
    assert body == [
        "DESCRIPTION:Call Ann\\, +49 30 1234\\nann@example.org",
        "DTSTAMP:20261101T120000Z",
        "DTSTART:20261205T100000",  # DTSTART = DUE accepted, floating kept
        "DUE:20261205T100000",
        "PRIORITY:1",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1",
        "SUMMARY:Call Ann",
        "UID:t1",  # UID is not first in a VTODO
        "X-MINICRM-CONTACT:abc",
    ]
    no_stamp = crlf(
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VTODO", "UID:t2", "SUMMARY:x",
        "DUE;TZID=Europe/Berlin:20261205T100000", "END:VTODO", "END:VCALENDAR",
    )  # fmt: skip
    got = put_get(book, "tasks", "t2.ics", no_stamp)
    assert "\r\nDTSTAMP:" in got  # the time of the PUT
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n" in got
    assert "\r\nDUE;TZID=Europe/Berlin:20261205T100000\r\n" in got
    got = put_get(book, "tasks", "t3.ics", vtodo("t3", "All day", "DUE;VALUE=DATE:20261205"))
    assert "\r\nDUE;VALUE=DATE:20261205\r\n" in got


def test_what_radicale_refuses(book: RadicaleAccount):
    assert put_get(book, "tasks", "t1.ics", vtodo("t1", "first"))
    assert put_get(book, "contacts", "c1.vcf", vcard("c1", "First"))
    refused = {
        ("tasks", "nouid.ics"): crlf(
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VTODO", "SUMMARY:no uid",
            "DTSTAMP:20261101T120000Z", "END:VTODO", "END:VCALENDAR",
        ),
        ("tasks", "two.ics"): crlf(
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x",
            "BEGIN:VTODO", "UID:a1", "DTSTAMP:20261101T120000Z", "END:VTODO",
            "BEGIN:VTODO", "UID:a2", "DTSTAMP:20261101T120000Z", "END:VTODO", "END:VCALENDAR",
        ),
        ("tasks", "garbage.ics"): "BEGIN:VCALENDAR\r\nthis is not ical\r\n",
        ("tasks", "card.vcf"): vcard("c9", "A card in a calendar"),
        ("contacts", "todo.ics"): vtodo("x2", "A task in an address book"),
        ("contacts", "nouid.vcf"): crlf("BEGIN:VCARD", "VERSION:3.0", "FN:No Uid", "END:VCARD"),
        ("contacts", "nofn.vcf"): crlf("BEGIN:VCARD", "VERSION:3.0", "UID:nofn", "N:X;Y;;;", "END:VCARD"),
    }  # fmt: skip
    for (collection, name), text in refused.items():
        status, _, _ = book.put(collection, name, text)
        assert status == 400, (collection, name)
    for collection, name, text in [
        ("tasks", "again.ics", vtodo("t1", "same UID, other href")),
        ("contacts", "again.vcf", vcard("c1", "Same UID, other href")),
    ]:
        status, _, body = book.put(collection, name, text)
        assert status == 409, name
        assert "no-uid-conflict" in body
    assert sorted(book.stored("contacts")) == ["c1.vcf"]
    assert sorted(book.stored("tasks")) == ["t1.ics"]


def test_a_calendar_takes_any_component_whatever_set_it_was_made_with(radicale: RadicaleAccount):
    radicale.create_calendar("onlytasks", ("VTODO",))
    event = (
        vtodo("e1", "x")
        .replace("VTODO", "VEVENT")
        .replace("SUMMARY:x", "DTSTART;VALUE=DATE:20261205")
    )
    status, _, _ = radicale.put("onlytasks", "e1.ics", event)
    assert status == 201
