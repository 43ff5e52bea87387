"""The real programs work together here: a card, a task and a birthday go from the laptop's
vdir through Radicale to the phone's, and khard, todoman and khal read them there.

These prove the harness (tests/clients.py) the sync tests stand on. They never skip: a
missing program fails them (install '.[test]').
"""

from __future__ import annotations

import json

from clients import Device, RadicaleAccount, vcard, vevent


def test_a_card_reaches_the_phone_through_radicale_and_khard_lists_it(
    radicale: RadicaleAccount, laptop: Device, phone: Device
):
    laptop.add("contacts", "carddav")
    phone.add("contacts", "carddav")
    laptop.write_item(
        "contacts",
        "zoe-1.vcf",
        vcard(
            "zoe-1",
            "Zoë Čapek",
            "N:Čapek;Zoë;;;",
            "EMAIL;TYPE=WORK:zoe@example.org",
            "TEL;TYPE=CELL:+420 601 123 456",
        ),
    )

    laptop.sync()
    assert list(radicale.stored("contacts")) == ["zoe-1.vcf"]
    phone.sync()

    [(name, text)] = phone.items("contacts").items()
    assert name == "zoe-1.vcf"
    assert "UID:zoe-1" in text.splitlines()
    assert "FN:Zoë Čapek" in text.splitlines()
    listed = phone.khard("list", "--parsable").stdout
    assert listed.splitlines() == ["zoe-1\tZoë Čapek\tcontacts"]
    shown = phone.khard("show", "--format", "yaml", "zoe-1").stdout
    assert "zoe@example.org" in shown
    assert "+420 601 123 456" in shown


def test_a_task_made_with_todoman_syncs_across_and_back(laptop: Device, phone: Device):
    laptop.add("tasks", "caldav")
    phone.add("tasks", "caldav")
    laptop.todo("new", "--list", "tasks", "--due", "2026-12-05 10:00", "Call Zoë")

    laptop.sync()
    phone.sync()
    [task] = json.loads(phone.todo("--porcelain", "list").stdout)
    assert task["summary"] == "Call Zoë"
    assert task["due"] == 1_796_464_800  # 2026-12-05 10:00 UTC
    assert task["completed"] is False

    phone.todo("done", str(task["id"]))
    phone.sync()
    laptop.sync()
    [text] = laptop.items("tasks").values()
    assert "STATUS:COMPLETED" in text.splitlines()
    assert json.loads(laptop.todo("--porcelain", "list", "--status", "ANY").stdout)[0]["completed"]


def test_a_birthday_shows_in_khal_on_the_phone(laptop: Device, phone: Device):
    laptop.add("calendar", "caldav")
    phone.add("calendar", "caldav")
    laptop.write_item(
        "calendar",
        "bday-zoe-1.ics",
        vevent(
            "bday-zoe-1",
            "Zoë Čapek's birthday",
            "DTSTART;VALUE=DATE:19800412",
            "RRULE:FREQ=YEARLY",
            "TRANSP:TRANSPARENT",
        ),
    )

    laptop.sync()
    phone.sync()
    assert list(phone.items("calendar")) == ["bday-zoe-1.ics"]
    for year in (2027, 2031):
        shown = phone.khal("list", f"{year}-04-12", "1d").stdout
        assert "Zoë Čapek's birthday" in shown, shown
    assert "birthday" not in phone.khal("list", "2027-04-13", "1d").stdout
