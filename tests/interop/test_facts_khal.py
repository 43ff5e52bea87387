"""khal 0.14, as measured for docs/interop.md ("khal"): what `khal list` shows of tasks,
yearly birthday events, and of the birthdays it reads from a contacts vdir."""

from __future__ import annotations

from clients import Device, vcard, vevent, vtodo


def shown(device: Device, day: str) -> list[str]:
    """The titles `khal list DAY 1d` shows (the day's heading left out)."""
    out = device.khal("list", "--format", "{title}{repeat-symbol}", day, "1d").stdout
    return sorted(out.splitlines()[1:])


def test_khal_shows_no_task_at_all(laptop: Device):
    laptop.add("calendar", "caldav")
    laptop.write_item("calendar", "t1.ics", vtodo("t1", "Task with due", "DUE:20270412T100000Z"))
    laptop.write_item(
        "calendar",
        "t2.ics",
        vtodo("t2", "Task with start", "DTSTART:20270412T090000Z", "DUE:20270412T100000Z"),
    )
    laptop.write_item("calendar", "t3.ics", vtodo("t3", "Task all day", "DUE;VALUE=DATE:20270412"))
    laptop.write_item("calendar", "e1.ics", vevent("e1", "An event", "DTSTART;VALUE=DATE:20270412"))
    assert shown(laptop, "2027-04-12") == ["An event"]


def test_a_yearly_birthday_event_shows_every_year_whatever_year_it_starts(laptop: Device):
    laptop.add("calendar", "caldav")
    for uid, start, extra in [
        ("Born 1980", "19800412", "RRULE:FREQ=YEARLY"),
        ("Placeholder 1604", "16040412", "RRULE:FREQ=YEARLY"),
        ("Placeholder 1900", "19000412", "RRULE:FREQ=YEARLY"),
        ("No RRULE", "19800412", "TRANSP:TRANSPARENT"),
        ("Leap day", "19800229", "RRULE:FREQ=YEARLY"),
        ("Leap day clamped", "19800229", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1"),
    ]:
        laptop.write_item(
            "calendar",
            f"{uid.replace(' ', '-')}.ics",
            vevent(uid.replace(" ", "-"), uid, f"DTSTART;VALUE=DATE:{start}", extra),
        )
    every_year = ["Born 1980 ⟳", "Placeholder 1604 ⟳", "Placeholder 1900 ⟳"]
    for year in (2027, 2037):
        assert shown(laptop, f"{year}-04-12") == every_year  # no age: the title as written
    assert shown(laptop, "2038-04-12") == []  # an endless RRULE is expanded to 2037-12-31
    assert shown(laptop, "1980-04-12") == [
        "Born 1980 ⟳",
        "No RRULE",
        "Placeholder 1604 ⟳",
        "Placeholder 1900 ⟳",
    ]
    assert shown(laptop, "2027-02-28") == ["Leap day clamped ⟳"]  # FREQ=YEARLY skips 2027
    assert shown(laptop, "2027-03-01") == []
    assert shown(laptop, "2028-02-29") == ["Leap day clamped ⟳", "Leap day ⟳"]


def test_khal_birthdays_from_cards_count_years_and_only_0412_reads_as_year_less(laptop: Device):
    laptop.add("contacts", "carddav")
    laptop.add("calendar", "caldav")
    laptop.khal_birthdays = True
    forms = {
        "A": ("3.0", "BDAY:--0412"),
        "B": ("3.0", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12"),
        "C": ("3.0", "BDAY;VALUE=text:April 12"),
        "D": ("3.0", "BDAY:1980-04-12"),
        "E": ("4.0", "BDAY:--0412"),
        "F": ("3.0", "BDAY:--04-12"),
        "G": ("3.0", "BDAY:1900-04-12"),
    }
    for key, (version, line) in forms.items():
        laptop.write_item(
            "contacts", f"{key}.vcf", vcard(f"bday-{key}", f"Form {key}", line, version=version)
        )
    ran = laptop.khal("list", "--format", "{title}", "2026-04-12", "1d")
    assert sorted(ran.stdout.splitlines()[1:]) == [
        "Form A's birthday",
        "Form B's 422nd birthday",
        "Form C's 0th birthday",
        "Form D's 46th birthday",
        "Form E's birthday",
        "Form G's 126th birthday",
    ]
    assert "cannot parse BDAY in F.vcf" in ran.stderr  # --MM-DD with dashes: skipped
