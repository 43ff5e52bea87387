"""`minicrm sync tasks` against the real thing (issue 18): Radicale as the CalDAV server,
vdirsyncer carrying the laptop's vdir (the one minicrm syncs with) and "the phone" (a
second vdirsyncer with its own folder), and todoman on the phone as the judge: `todo
list` shows every open follow-up with its due date, time and priority; `todo done`,
`todo edit --due`, `todo new` and `todo delete` there reach minicrm. After each scenario
a second run changes nothing and the phone has one task per series."""

from __future__ import annotations

import json
import re

import pytest

import clients
from clients import Device, minicrm_sync

COLL = "tasks"


@pytest.fixture
def pair(laptop: Device, phone: Device) -> tuple[Device, Device]:
    laptop.add(COLL, "caldav", conflict_resolution="a wins")
    phone.add(COLL, "caldav", conflict_resolution="a wins")
    return laptop, phone


def sync(run, laptop: Device, *args: str) -> dict:
    return minicrm_sync(run, laptop, *args, kind=COLL)


def round_trip(run, laptop: Device, phone: Device) -> dict:
    return clients.round_trip(run, laptop, phone, kind=COLL)


def uid_of(text: str) -> str:
    match = re.search(r"^UID:(.*?)\r?$", text, re.M)
    assert match, text
    return match.group(1)


def in_step(run, laptop: Device, phone: Device) -> None:
    again = json.loads(run("sync", "tasks", str(laptop.vdir(COLL)), "--json").stdout)
    assert again["changes"] == [] and again["conflicts"] == [] and again["problems"] == []
    laptop.sync()
    phone.sync()
    uids = [uid_of(t) for t in phone.items(COLL).values()]
    assert len(uids) == len(set(uids))
    assert sorted(uids) == sorted(uid_of(t) for t in laptop.items(COLL).values())


def todos(phone: Device, *args: str) -> dict[str, dict]:
    """The phone's open tasks by summary, as `todo --porcelain list` gives them."""
    listed = json.loads(phone.todo("--porcelain", "list", *args).stdout)
    found: dict[str, dict] = {}
    for t in listed:
        assert t["summary"] not in found, listed  # one task per series
        found[t["summary"]] = t
    return found


def followups(run, status: str = "open") -> dict[str, dict]:
    rows = json.loads(run("followup", "ls", "--status", status, "--json").stdout)
    return {f["title"]: f for f in rows}


def test_every_open_follow_up_reaches_the_phone_with_its_due_time_and_priority(
    run, pair, contact_factory
):
    laptop, phone = pair
    contact_factory("Ann Example", "-e", "ann@example.org", "-p", "+1 555 0100")
    run("follow", "Ann", "Send the deck", "--due", "2026-12-05", "--priority", "high")
    run("follow", "Ann", "Call back", "--due", "2026-12-07", "--at", "14:30")
    run("follow", "Ann", "Monthly report", "--due", "2026-12-31", "--every", "monthly")
    run("follow", "Ann", "Old", "--due", "2026-12-01")
    run("done", str(followups(run)["Old"]["id"]))
    report = sync(run, laptop)
    assert report["vdir"]["created"] == 3  # a follow-up done before it ever synced stays home
    phone.sync()
    shown = phone.todo("list").stdout
    assert re.search(r"!!!\s+2026-12-05\s+Send the deck", shown), shown
    assert re.search(r"2026-12-07 14:30\s+Call back", shown), shown
    assert re.search(r"2026-12-31 ⟳Monthly report", shown), shown
    tasks = todos(phone)
    assert tasks["Send the deck"]["priority"] == 1
    assert "Ann Example" in tasks["Call back"]["description"]
    assert "+1 555 0100" in tasks["Call back"]["description"]
    in_step(run, laptop, phone)


def test_done_on_the_phone_is_done_in_minicrm(run, pair, contact_factory):
    laptop, phone = pair
    contact_factory("Ann Example")
    run("follow", "Ann", "Send the deck", "--due", "2026-12-05")
    sync(run, laptop)
    phone.sync()
    phone.todo("done", str(todos(phone)["Send the deck"]["id"]))
    report = round_trip(run, laptop, phone)
    assert report["minicrm"]["updated"] == 1
    assert "Send the deck" in followups(run, "done")
    assert todos(phone) == {}
    assert "Send the deck" in todos(phone, "--status", "ANY")  # COMPLETED, not gone
    in_step(run, laptop, phone)


def test_done_on_a_repeating_task_schedules_the_next_once_under_the_same_uid(
    run, pair, contact_factory
):
    laptop, phone = pair
    contact_factory("Ann Example")
    run("follow", "Ann", "Monthly report", "--due", "2026-12-31", "--at", "10:00",
        "--every", "monthly")  # fmt: skip
    sync(run, laptop)
    phone.sync()
    (name,) = phone.items(COLL)
    series_uid = uid_of(phone.items(COLL)[name])
    phone.todo("done", str(todos(phone)["Monthly report"]["id"]))
    assert len(phone.items(COLL)) == 2  # todoman: the done one and a copy under a new UID
    report = round_trip(run, laptop, phone)
    assert report["problems"] == []
    removed = [c for c in report["changes"] if c["side"] == "vdir" and c["action"] == "deleted"]
    assert len(removed) == 1 and "copy of the next occurrence" in removed[0]["reason"]
    done = followups(run, "done")["Monthly report"]
    now = followups(run)["Monthly report"]
    assert done["occurrence"] == 1 and now["occurrence"] == 2
    assert now["due"] == "2027-01-31T10:00" and now["series_uid"] == done["series_uid"]
    every = json.loads(run("followup", "ls", "--status", "all", "--json").stdout)
    assert len(every) == 2  # scheduled once
    (text,) = phone.items(COLL).values()
    assert uid_of(text) == series_uid
    assert re.search(r"2027-01-31 10:00 ⟳Monthly report", phone.todo("list").stdout)
    in_step(run, laptop, phone)

    # and again: Feb 28, the month's last day, as minicrm schedules it
    phone.todo("done", str(todos(phone)["Monthly report"]["id"]))
    round_trip(run, laptop, phone)
    assert followups(run)["Monthly report"]["due"] == "2027-02-28T10:00"
    assert [uid_of(t) for t in phone.items(COLL).values()] == [series_uid]
    in_step(run, laptop, phone)


def test_a_new_due_date_or_time_on_the_phone_moves_the_follow_up(run, pair, contact_factory):
    laptop, phone = pair
    contact_factory("Ann Example")
    run("follow", "Ann", "Call back", "--due", "2026-12-07", "--at", "14:30")
    run("follow", "Ann", "All day", "--due", "2026-12-08")
    sync(run, laptop)
    phone.sync()
    tasks = todos(phone)
    phone.todo("edit", str(tasks["Call back"]["id"]), "--due", "2026-12-24 15:30")
    phone.todo("edit", str(tasks["All day"]["id"]), "--due", "2026-12-28")
    report = round_trip(run, laptop, phone)
    assert report["minicrm"]["updated"] == 2
    now = followups(run)
    assert now["Call back"]["due"] == "2026-12-24T15:30"
    assert now["All day"]["due"] == "2026-12-28"
    in_step(run, laptop, phone)


def test_a_task_made_on_the_phone_becomes_a_follow_up(run, pair, contact_factory):
    laptop, phone = pair
    contact_factory("Ann Example")
    run("follow", "Ann", "Existing", "--due", "2026-12-05")
    sync(run, laptop)
    phone.sync()
    phone.todo("new", "--list", COLL, "--due", "2026-12-24 09:00", "--priority", "high",
               "Buy a present")  # fmt: skip
    report = round_trip(run, laptop, phone)
    assert report["minicrm"]["created"] == 1
    made = followups(run)["Buy a present"]
    assert made["due"] == "2026-12-24T09:00" and made["priority"] == "high"
    assert made["contact"] is None  # it names none: kept without a contact
    in_step(run, laptop, phone)


def test_a_task_deleted_on_the_phone_is_cancelled_and_undo_brings_it_back(
    run, pair, contact_factory
):
    laptop, phone = pair
    contact_factory("Ann Example")
    run("follow", "Ann", "Send the deck", "--due", "2026-12-05")
    run("follow", "Ann", "Keep", "--due", "2026-12-06")
    run("follow", "Ann", "Keep too", "--due", "2026-12-07")
    sync(run, laptop)
    phone.sync()
    phone.todo("delete", "--yes", str(todos(phone)["Send the deck"]["id"]))
    report = round_trip(run, laptop, phone)
    assert [c["action"] for c in report["changes"]] == ["cancelled"]
    assert "Send the deck" in followups(run, "cancelled")
    run("undo")
    assert "Send the deck" in followups(run)
    sync(run, laptop)  # the undo reaches the phone: the task is written again
    phone.sync()
    assert set(todos(phone)) == {"Send the deck", "Keep", "Keep too"}


def test_a_follow_up_removed_in_minicrm_leaves_the_phone(run, pair, contact_factory):
    laptop, phone = pair
    contact_factory("Ann Example")
    run("follow", "Ann", "Send the deck", "--due", "2026-12-05")
    run("follow", "Ann", "Keep", "--due", "2026-12-06")
    run("follow", "Ann", "Keep too", "--due", "2026-12-07")
    sync(run, laptop)
    phone.sync()
    run("followup", "rm", str(followups(run)["Send the deck"]["id"]), "--yes")
    report = sync(run, laptop)
    assert report["vdir"]["deleted"] == 1
    phone.sync()
    assert set(todos(phone)) == {"Keep", "Keep too"}
    in_step(run, laptop, phone)


def test_minicrm_sync_runs_the_tasks_folder_of_sync_with_vdirsyncer_around_it(
    run, laptop: Device, phone: Device, contact_factory
):
    import os
    import sys
    from pathlib import Path

    laptop.add(COLL, "caldav", conflict_resolution="a wins")
    phone.add(COLL, "caldav", conflict_resolution="a wins")
    laptop.discover()
    contact_factory("Ann Example")
    run("follow", "Ann", "Send the deck", "--due", "2026-12-05")
    command = [sys.executable, "-m", "vdirsyncer", "-c", str(laptop.vdirsyncer_config), "sync"]
    Path(os.environ["MINICRM_CONFIG"]).write_text(
        f"[sync]\ntasks = {json.dumps(str(laptop.vdir(COLL)))}\ncommand = {json.dumps(command)}\n",
        encoding="utf-8",
    )
    report = json.loads(run("sync", "--json").stdout)
    (one,) = report["syncs"]
    assert one["kind"] == "tasks" and one["vdir"]["created"] == 1
    phone.sync()
    phone.todo("done", str(todos(phone)["Send the deck"]["id"]))
    phone.sync()
    again = json.loads(run("sync", "--json").stdout)
    assert again["syncs"][0]["minicrm"]["updated"] == 1
    assert "Send the deck" in followups(run, "done")
