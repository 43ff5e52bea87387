"""`minicrm sync tasks` on a plain folder (issue 18): conflicts, the guard, clients that
complete a repeating task on the same UID, tasks that name a contact, time zones, the
no-change path, bad files."""

from __future__ import annotations

import contextlib
import json
import time as systime
from datetime import UTC, datetime
from pathlib import Path

import pytest

from minicrm.sync import vdir


def sync(run, folder: Path, *args: str, code: int = 0) -> dict:
    return json.loads(run("sync", "tasks", str(folder), "--json", *args, code=code).stdout)


def files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_bytes().decode("utf-8") for p in sorted(folder.glob("*.ics"))}


def by_title(folder: Path, title: str) -> tuple[str, str]:
    found = [(n, t) for n, t in files(folder).items() if f"SUMMARY:{title}\r\n" in t]
    assert len(found) == 1, list(files(folder).values())
    return found[0]


def rewrite(folder: Path, title: str, change) -> None:
    """Rewrite a task file as a phone would: through a temporary file and a rename."""
    name, text = by_title(folder, title)
    vdir.write_item(folder, name, change(text), replace=True)


def followups(run, status: str = "open") -> dict[str, dict]:
    rows = json.loads(run("followup", "ls", "--status", status, "--json").stdout)
    return {f["title"]: f for f in rows}


def vtodo(uid: str, *lines: str) -> str:
    body = "\r\n".join(["BEGIN:VTODO", f"UID:{uid}", "DTSTAMP:20261201T000000Z", *lines])
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\n{body}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"


def test_a_field_changed_on_both_sides_goes_to_the_winner_and_the_other_is_kept(
    run, tmp_path, contact_factory
):
    folder = tmp_path / "t"
    contact_factory("Ann Example")
    run("follow", "Ann", "Send the deck", "--due", "2026-12-05")
    sync(run, folder)
    fid = followups(run)["Send the deck"]["id"]
    run("followup", "edit", str(fid), "--title", "Send the new deck")
    rewrite(folder, "Send the deck", lambda t: t.replace("SUMMARY:Send the deck", "SUMMARY:Deck!"))
    report = sync(run, folder)
    (conflict,) = report["conflicts"]
    assert conflict["field"] == "title" and conflict["lost"] == "Deck!"
    shown = json.loads(run("followup", "show", str(fid), "--json").stdout)
    assert shown["title"] == "Send the new deck"
    assert "the folder had title: Deck!" in shown["notes"]
    by_title(folder, "Send the new deck")
    assert sync(run, folder)["changes"] == []


def test_an_emptied_folder_is_refused(run, tmp_path, contact_factory):
    folder = tmp_path / "t"
    contact_factory("Ann Example")
    for n in range(4):
        run("follow", "Ann", f"Task {n}", "--due", "2026-12-05")
    sync(run, folder)
    for path in folder.glob("*.ics"):
        path.unlink()
    result = run("sync", "tasks", str(folder), code=1)
    assert "refusing to sync" in result.stderr
    assert len(followups(run)) == 4  # nothing was cancelled


def test_a_client_moving_the_due_to_the_next_occurrence_completes_it(
    run, tmp_path, contact_factory
):
    folder = tmp_path / "t"
    contact_factory("Ann Example")
    run("follow", "Ann", "Monthly", "--due", "2026-12-31", "--every", "monthly")
    sync(run, folder)
    # tasks.org and others: same UID, DUE on the next occurrence, still NEEDS-ACTION
    rewrite(
        folder, "Monthly", lambda t: t.replace("DUE;VALUE=DATE:20261231", "DUE;VALUE=DATE:20270131")
    )
    sync(run, folder)
    assert followups(run, "done")["Monthly"]["due"] == "2026-12-31"
    assert followups(run)["Monthly"]["due"] == "2027-01-31"
    # any other new due moves the occurrence
    rewrite(
        folder, "Monthly", lambda t: t.replace("DUE;VALUE=DATE:20270131", "DUE;VALUE=DATE:20270203")
    )
    sync(run, folder)
    now = followups(run)["Monthly"]
    assert now["due"] == "2027-02-03" and now["snoozed_from"] == "2027-01-31"
    _, text = by_title(folder, "Monthly")
    assert "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1" in text  # still the series' rule
    assert sync(run, folder)["changes"] == []


def test_a_new_task_naming_a_contact_is_theirs_and_one_naming_none_is_kept(
    run, tmp_path, contact_factory
):
    folder = tmp_path / "t"
    ann = contact_factory("Ann Example")
    folder.mkdir()
    (folder / "a.ics").write_text(
        vtodo(
            "phone-1",
            "SUMMARY:Call about the offer",
            "DUE:20261210T090000Z",
            "DESCRIPTION:ring her\\n\\nContact: Ann Example",
            "PRIORITY:9",
        ),
        encoding="utf-8",
    )
    (folder / "b.ics").write_text(
        vtodo("phone-2", "SUMMARY:Water the plants", "RRULE:FREQ=WEEKLY;COUNT=3"),
        encoding="utf-8",
    )
    report = sync(run, folder)
    assert report["minicrm"]["created"] == 2 and report["problems"] == []
    made = followups(run)
    call = made["Call about the offer"]
    assert call["contact"]["uid"] == ann["uid"] and call["notes"] == "ring her"
    assert call["due"] == "2026-12-10T09:00" and call["priority"] == "low"
    plants = made["Water the plants"]
    assert plants["contact"] is None and plants["due"] == "2026-11-22"  # no due: today
    assert plants["recurrence"]["rule"] == "FREQ=WEEKLY" and plants["recurrence"]["count"] == 3
    text = files(folder)["a.ics"]
    assert "UID:phone-1\r\n" in text  # the phone's UID, kept
    assert "X-MINICRM-CONTACT-UID:" in text
    assert sync(run, folder)["changes"] == []


def test_a_file_that_is_no_task_is_a_problem_and_left_alone(run, tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "x.ics").write_text("not a calendar\n", encoding="utf-8")
    report = sync(run, folder)
    assert report["problems"][0]["file"] == "x.ics"
    assert (folder / "x.ics").read_text() == "not a calendar\n"


def test_a_no_change_sync_reads_nothing(run, tmp_path, contact_factory):
    folder = tmp_path / "t"
    contact_factory("Ann Example")
    for n in range(3):
        run("follow", "Ann", f"Task {n}", "--due", "2026-12-05", "--every", "weekly")
    sync(run, folder)
    again = sync(run, folder)
    assert again["files_read"] == 0 and again["records_read"] == 0 and again["changes"] == []
    run("edit", "Ann", "--add-phone", "+1 555 0100")  # the phone number shows in every task
    report = sync(run, folder)
    assert report["vdir"]["updated"] == 3
    assert all("Phone: +1 555 0100" in t for t in files(folder).values())


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"])
def test_floating_stays_floating_and_all_day_stays_all_day_in_any_zone(
    run, tmp_path, contact_factory, monkeypatch, tz
):
    monkeypatch.setenv("TZ", tz)
    systime.tzset()
    try:
        folder = tmp_path / "t"
        contact_factory("Ann Example")
        run("follow", "Ann", "Timed", "--due", "2026-12-07", "--at", "14:30")
        run("follow", "Ann", "All day", "--due", "2026-12-08")
        sync(run, folder)
        _, timed = by_title(folder, "Timed")
        _, all_day = by_title(folder, "All day")
        assert "DUE:20261207T143000\r\n" in timed  # no Z, no TZID
        assert "DUE;VALUE=DATE:20261208\r\n" in all_day
        # a phone writes the time back in UTC: read in the local zone, the same 14:30
        z = datetime(2026, 12, 7, 14, 30).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        rewrite(
            folder,
            "Timed",
            lambda t: t.replace("DUE:20261207T143000", f"DUE:{z}").replace(
                "PRIORITY:5", "PRIORITY:1"
            ),
        )
        sync(run, folder)
        now = followups(run)["Timed"]
        assert now["due"] == "2026-12-07T14:30" and now["priority"] == "high"
        assert followups(run)["All day"]["due"] == "2026-12-08"
    finally:
        monkeypatch.undo()
        systime.tzset()


def test_import_of_an_ics_file_applies_the_tasks_minicrm_knows(run, tmp_path, contact_factory):
    contact_factory("Ann Example")
    run("follow", "Ann", "Send the deck", "--due", "2026-12-05")
    run("follow", "Ann", "Monthly", "--due", "2026-12-31", "--every", "monthly")
    exported = tmp_path / "f.ics"
    run("export", "-f", "ics", "-o", str(exported))
    text = exported.read_bytes().decode()
    text = text.replace(
        "SUMMARY:Send the deck", "SUMMARY:Send the deck\r\nCOMPLETED:20261201T100000Z"
    )
    text = text.replace("STATUS:NEEDS-ACTION\r\nSUMMARY:Send", "STATUS:COMPLETED\r\nSUMMARY:Send")
    text = text.replace("DUE;VALUE=DATE:20261231", "DUE;VALUE=DATE:20270131")  # done, the next
    text = text.replace(
        "END:VCALENDAR", vtodo("stranger", "SUMMARY:Not ours").split("PRODID:-//phone//EN\r\n")[1]
    )
    exported.write_bytes(text.encode())
    dry = json.loads(run("import", str(exported), "--dry-run", "--json").stdout)
    assert dry["updated"] == 2 and dry["skipped"] == 1
    assert "Send the deck" in followups(run)  # nothing written
    report = json.loads(run("import", str(exported), "--json").stdout)
    assert report["updated"] == 2 and report["skipped"] == 1
    assert "Send the deck" in followups(run, "done")
    assert followups(run)["Monthly"]["due"] == "2027-01-31"
    again = json.loads(run("import", str(exported), "--json").stdout)
    assert again["updated"] == 0  # the same file again: the next was scheduled once


def _completed(path: Path) -> None:
    """Mark every task of an exported file done, as `sed s/NEEDS-ACTION/COMPLETED/` does."""
    text = path.read_bytes().decode()
    path.write_bytes(text.replace("STATUS:NEEDS-ACTION", "STATUS:COMPLETED").encode())


def _weekly_done_by_import(run, tmp_path: Path) -> Path:
    """Ann's weekly series, its first occurrence completed by importing its exported task
    marked done: the exported file (#1 done, #2 open, due 2026-12-14)."""
    run("add", "Ann")
    run("follow", "ann", "Weekly sync", "--due", "2026-12-07", "--every", "weekly")
    exported = tmp_path / "w.ics"
    run("export", "--format", "ics", "-o", str(exported))
    _completed(exported)
    run("import", str(exported))
    return exported


def _every(run) -> list[tuple[str, str]]:
    rows = json.loads(run("followup", "ls", "--status", "all", "--json").stdout)
    return sorted((f["due"], f["status"]) for f in rows)


def _history_ids(run) -> list[int]:
    return [h["id"] for h in json.loads(run("history", "-n", "100", "--json").stdout)]


@pytest.mark.parametrize(
    ("every", "due", "after"),
    [
        ("weekly", "2026-12-07", "2026-12-14"),
        ("FREQ=MONTHLY;BYMONTHDAY=31", "2027-01-31", "2027-03-31"),
    ],
)
def test_importing_the_same_completed_repeating_task_again_changes_nothing(
    run, tmp_path, every, due, after
):
    run("add", "Ann")
    run("follow", "ann", "Weekly sync", "--due", due, "--every", every)
    exported = tmp_path / "w.ics"
    run("export", "--format", "ics", "-o", str(exported))
    _completed(exported)
    first = json.loads(run("import", str(exported), "--json").stdout)
    assert first["updated"] == 1
    assert _every(run) == [(due, "done"), (after, "open")]
    history = _history_ids(run)
    for _ in range(2):
        again = run("import", str(exported))
        assert "updated Weekly sync" not in again.stdout
        assert "0 follow-ups updated" in again.stdout
        assert json.loads(run("import", str(exported), "--json").stdout)["updated"] == 0
    assert _every(run) == [(due, "done"), (after, "open")]
    assert _history_ids(run) == history  # nothing recorded


def test_a_new_completion_of_the_next_occurrence_completes_it_once(run, tmp_path):
    run("add", "Ann")
    run("follow", "ann", "Weekly sync", "--due", "2026-12-07", "--every", "weekly")
    first, second = tmp_path / "1.ics", tmp_path / "2.ics"
    run("export", "--format", "ics", "-o", str(first))
    _completed(first)
    run("import", str(first))
    run("export", "--format", "ics", "-o", str(second))
    _completed(second)
    assert json.loads(run("import", str(second), "--json").stdout)["updated"] == 1
    done = [("2026-12-07", "done"), ("2026-12-14", "done"), ("2026-12-21", "open")]
    assert _every(run) == done
    for path in (first, second, first):
        assert json.loads(run("import", str(path), "--json").stdout)["updated"] == 0
    assert _every(run) == done


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace("STATUS:COMPLETED", "STATUS:CANCELLED"),
        lambda t: t.replace("DUE;VALUE=DATE:20261207", "DUE;VALUE=DATE:20261209"),
        lambda t: t.replace("SUMMARY:Weekly sync", "SUMMARY:Renamed"),
        lambda t: t.replace("STATUS:COMPLETED", "STATUS:NEEDS-ACTION"),
        lambda t: t.replace("X-MINICRM-FOLLOWUP:1\r\n", ""),  # a client that drops it
    ],
    ids=["cancelled", "due", "title", "reopened", "no-followup-id"],
)
def test_a_task_about_an_earlier_occurrence_changes_nothing(run, tmp_path, change):
    exported = _weekly_done_by_import(run, tmp_path)
    history = _history_ids(run)
    exported.write_bytes(change(exported.read_bytes().decode()).encode())
    report = json.loads(run("import", str(exported), "--json").stdout)
    assert report["updated"] == 0
    assert _every(run) == [("2026-12-07", "done"), ("2026-12-14", "open")]
    assert followups(run)["Weekly sync"]["title"] == "Weekly sync"
    assert _history_ids(run) == history


def test_sync_a_repeating_task_done_on_both_sides_is_done_once(run, tmp_path):
    """Done in minicrm and on the phone between two syncs: the phone's completion is of
    the occurrence minicrm completed already, not of the next one."""
    folder = tmp_path / "t"
    run("add", "Ann")
    run("follow", "ann", "Weekly sync", "--due", "2026-12-07", "--every", "weekly")
    sync(run, folder)
    run("done", str(followups(run)["Weekly sync"]["id"]))
    rewrite(folder, "Weekly sync", lambda t: t.replace("STATUS:NEEDS-ACTION", "STATUS:COMPLETED"))
    report = sync(run, folder)
    assert report["minicrm"]["updated"] == 0 and report["vdir"]["updated"] == 1
    assert _every(run) == [("2026-12-07", "done"), ("2026-12-14", "open")]
    _, text = by_title(folder, "Weekly sync")
    assert "DUE;VALUE=DATE:20261214\r\n" in text and "STATUS:NEEDS-ACTION" in text
    assert sync(run, folder)["changes"] == []
    assert _every(run) == [("2026-12-07", "done"), ("2026-12-14", "open")]


@pytest.mark.parametrize("winner", ["minicrm", "vdir"])
def test_sync_an_old_completed_file_in_a_new_folder_completes_nothing(run, tmp_path, winner):
    """A folder (no sync state yet) holding a task of an occurrence done already."""
    folder = tmp_path / "t"
    folder.mkdir()
    exported = _weekly_done_by_import(run, tmp_path)
    (folder / "w.ics").write_bytes(exported.read_bytes())
    sync(run, folder, "--winner", winner)
    assert _every(run) == [("2026-12-07", "done"), ("2026-12-14", "open")]
    _, text = by_title(folder, "Weekly sync")
    assert "DUE;VALUE=DATE:20261214\r\n" in text and "STATUS:NEEDS-ACTION" in text
    assert sync(run, folder)["changes"] == []


class _Killed(BaseException):
    """Stands for SIGKILL in-process: nothing after it runs, the transaction rolls back."""


@pytest.mark.parametrize("stop_after", [0, 1, 3, 6])
def test_a_sync_stopped_after_any_file_write_converges(run, tmp_path, monkeypatch, stop_after):
    """Files written, the database not committed: the next run finishes the job, a
    repeating task done on the phone included (its next occurrence scheduled once)."""
    folder = tmp_path / "t"
    run("add", "Ann Example")
    run("follow", "Ann", "Monthly", "--due", "2026-12-31", "--every", "monthly")
    for n in range(8):
        run("follow", "Ann", f"Task {n}", "--due", "2026-12-05")
    sync(run, folder)
    for n in range(0, 8, 2):
        fid = followups(run)[f"Task {n}"]["id"]
        run("followup", "edit", str(fid), "--title", f"Task {n} v2")
    rewrite(folder, "Monthly", lambda t: t.replace("STATUS:NEEDS-ACTION", "STATUS:COMPLETED"))
    real_write = vdir.write_item
    count = {"n": 0}

    def write(*args, **kwargs):
        if count["n"] >= stop_after:
            raise _Killed
        count["n"] += 1
        return real_write(*args, **kwargs)

    monkeypatch.setattr(vdir, "write_item", write)
    with contextlib.suppress(_Killed):
        run("sync", "tasks", str(folder), code=None)
    monkeypatch.setattr(vdir, "write_item", real_write)
    report = sync(run, folder)
    assert report["problems"] == [] and report["conflicts"] == []
    assert sync(run, folder)["changes"] == []
    every = json.loads(run("followup", "ls", "--status", "all", "--json").stdout)
    monthly = [f for f in every if f["title"] == "Monthly"]
    assert [(f["status"], f["due"]) for f in monthly] == [
        ("done", "2026-12-31"),
        ("open", "2027-01-31"),
    ]
    texts = files(folder)
    assert len(texts) == 9
    assert sum("SUMMARY:Task " in t and " v2\r\n" in t for t in texts.values()) == 4
    _, monthly_text = by_title(folder, "Monthly")
    assert "DUE;VALUE=DATE:20270131" in monthly_text and "STATUS:NEEDS-ACTION" in monthly_text
