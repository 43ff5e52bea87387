"""`minicrm sync events DIR` (issue 18, point 5): birthdays and yearly dates as yearly
VEVENTs, timed follow-ups as events with --followups, one-way, stale files removed;
khal, which shows no VTODO at all, is the judge, through Radicale and vdirsyncer."""

from __future__ import annotations

import json

from clients import Device


def shown(device: Device, day: str) -> list[str]:
    ran = device.khal("list", "--format", "{title}{repeat-symbol}", day, "1d")
    return sorted(line for line in ran.stdout.splitlines()[1:] if line.strip())


def sync_events(run, folder, *args: str) -> dict:
    return json.loads(run("sync", "events", str(folder), "--json", *args).stdout)


def test_khal_shows_the_birthdays_and_timed_follow_ups(run, laptop, phone, contact_factory):
    laptop.add("calendar", "caldav")
    phone.add("calendar", "caldav")
    contact_factory("Ann Example", "--birthday", "--02-29")
    contact_factory("Bob Example", "--birthday", "1980-04-12")
    run("follow", "Ann", "Monthly call", "--due", "2026-12-31", "--at", "10:00",
        "--every", "monthly")  # fmt: skip
    run("follow", "Ann", "All-day task", "--due", "2026-12-31")
    folder = laptop.vdir("calendar")
    report = sync_events(run, folder, "--followups")
    assert report["created"] == 3 and report["deleted"] == 0
    laptop.sync()
    phone.sync()
    assert shown(phone, "2027-02-28") == ["Ann Example's birthday ⟳", "Monthly call ⟳"]
    assert shown(phone, "2027-04-12") == ["Bob Example's birthday ⟳"]
    assert shown(phone, "2027-04-30") == ["Monthly call ⟳"]  # the month's last day
    # nothing changed: nothing written; the follow-up done: its event moves on
    assert sync_events(run, folder, "--followups")["updated"] == 0
    run("done", "1")
    assert sync_events(run, folder, "--followups")["updated"] == 1
    # without --followups, and Bob removed: their events leave the calendar
    run("rm", "Bob", "--yes")
    again = sync_events(run, folder)
    assert again["deleted"] == 2 and again["items"] == 1
    laptop.sync()
    phone.sync()
    assert shown(phone, "2027-04-12") == []
    assert shown(phone, "2027-02-28") == ["Ann Example's birthday ⟳"]


def test_files_minicrm_did_not_write_are_left_alone(run, tmp_path):
    folder = tmp_path / "cal"
    folder.mkdir()
    mine = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:other\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:Mine\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    (folder / "other.ics").write_bytes(mine.encode())
    report = sync_events(run, folder)
    assert report["deleted"] == 0
    assert (folder / "other.ics").read_bytes() == mine.encode()
