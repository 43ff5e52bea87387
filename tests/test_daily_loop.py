"""The daily loop through the CLI: log, follow, done, snooze, due, agenda, stale,
birthdays and the contact page, with a fixed --on day and TZ set."""

from __future__ import annotations

import json
import sqlite3

import pytest

pytestmark = pytest.mark.usefixtures("berlin")


@pytest.fixture
def ann(run):
    run("add", "Ann Lee", "--email", "ann@acme.io", "--phone", "+1 555 0100")
    return "ann"


def changesets(db_path) -> int:
    return sqlite3.connect(db_path).execute("SELECT count(*) FROM changesets").fetchone()[0]


def test_next_fri_is_anchored_on_the_on_day(run, ann):
    item = run.json("follow", "ann", "Send proposal", "--due", "next fri", "--on", "2026-12-02")
    assert item["due"] == "2026-12-04" and item["all_day"] is True
    assert item["contact"]["name"] == "Ann Lee"
    timed = run.json(
        "follow", "ann", "Call", "--due", "tomorrow", "--at", "9am", "--on", "2026-12-02"
    )
    assert timed["due"] == "2026-12-03T09:00" and timed["due_time"] == "09:00"


def test_due_lists_overdue_and_today_not_tomorrow(run, ann):
    run("follow", "ann", "Old", "--due", "2026-11-28")
    run("follow", "ann", "Older", "--due", "2026-11-20", "--priority", "high")
    run("follow", "ann", "Today", "--due", "2026-12-01", "--at", "16:00")
    run("follow", "ann", "Tomorrow", "--due", "2026-12-02")
    due = run.json("due", "--on", "2026-12-01")
    assert [d["title"] for d in due] == ["Older", "Old", "Today"]
    assert [d["days_overdue"] for d in due] == [11, 3, 0]
    assert all(isinstance(d["id"], int) for d in due)
    assert due[0]["reach"]["email"] == "ann@acme.io" and due[0]["reach"]["phone"] == "+1 555 0100"
    agenda = run.json("agenda", "--on", "2026-12-01", "--days", "2")
    assert [a["title"] for a in agenda] == ["Older", "Old", "Today", "Tomorrow"]
    listed = run.json("followup", "ls")
    assert {f["title"] for f in listed} == {"Old", "Older", "Today", "Tomorrow"}
    out = run("due", "--on", "2026-12-01").stdout
    assert "11 days overdue" in out and "ann@acme.io" in out


def test_done_on_a_two_weekly_follow_up_schedules_the_next(run, ann):
    first = run.json("follow", "ann", "Check in", "--due", "2026-12-01", "--every", "2w")
    assert first["recurrence"]["rule"] == "FREQ=WEEKLY;INTERVAL=2"
    result = json.loads(run("done", str(first["id"]), "--on", "2026-12-03", "--json").stdout)
    assert result["done"]["status"] == "done"
    nxt = result["next"]
    assert nxt["due"] == "2026-12-15" and nxt["series_uid"] == first["series_uid"]
    assert nxt["occurrence"] == 2 and nxt["id"] != first["id"]
    agenda = run.json("agenda", "--on", "2026-12-10")
    assert [a["id"] for a in agenda] == [nxt["id"]]
    run("done", str(first["id"]), code=2)  # already done


def test_from_done_schedules_from_completion(run, ann):
    item = run.json("follow", "ann", "Water", "--due", "2026-12-01", "--every", "1w", "--from-done")
    result = json.loads(run("done", str(item["id"]), "--on", "2026-12-05", "--json").stdout)
    assert result["next"]["due"] == "2026-12-12"


def test_count_and_until_end_the_series(run, ann):
    item = run.json(
        "follow", "ann", "Twice", "--due", "2026-12-01", "--every", "week", "--count", "2"
    )
    second = json.loads(run("done", str(item["id"]), "--json").stdout)["next"]
    assert second["due"] == "2026-12-08"
    assert json.loads(run("done", str(second["id"]), "--json").stdout)["next"] is None
    item = run.json(
        "follow", "ann", "Until", "--due", "2026-12-01", "--every", "week", "--until", "2026-12-08"
    )
    second = json.loads(run("done", str(item["id"]), "--json").stdout)["next"]
    assert second["due"] == "2026-12-08"
    assert json.loads(run("done", str(second["id"]), "--json").stdout)["next"] is None


def test_weekly_nine_oclock_stays_at_nine_across_dst(run, ann):
    item = run.json(
        "follow", "ann", "Standup", "--due", "2026-03-23", "--at", "09:00", "--every", "weekly"
    )
    nxt = json.loads(run("done", str(item["id"]), "--on", "2026-03-23", "--json").stdout)["next"]
    assert nxt["due"] == "2026-03-30T09:00"  # clocks went forward on 2026-03-29


def test_month_end_recurrence_clamps(run, ann):
    item = run.json("follow", "ann", "Invoice", "--due", "2026-01-31", "--every", "month")
    nxt = json.loads(run("done", str(item["id"]), "--json").stdout)["next"]
    assert nxt["due"] == "2026-02-28"
    nxt = json.loads(run("done", str(nxt["id"]), "--json").stdout)["next"]
    assert nxt["due"] == "2026-03-31"


def test_bad_input_is_one_line_exit_code_and_writes_nothing(run, ann, db_path):
    item = run.json("follow", "ann", "Call", "--due", "2026-12-01")
    run("cancel", str(item["id"]))
    before = changesets(db_path)
    cases = [
        (("follow", "ann", "X", "--due", "2026-02-30"), 2),
        (("follow", "ann", "X", "--due", "03/04/2026"), 2),
        (("follow", "ann", "X", "--every", "sometimes"), 2),
        (
            ("follow", "ann", "X", "--due", "2026-12-10", "--every", "2w", "--until", "2026-12-01"),
            2,
        ),
        (("follow", "ann", "X", "--until", "2026-12-20"), 2),
        (("follow", "ann", "", "--due", "today"), 2),
        (("follow", "ann", "X", "--priority", "urgent"), 2),
        (("follow", "nobody", "X"), 3),
        (("done", "999"), 3),
        (("done", "abc"), 2),
        (("done", str(item["id"])), 2),
        (("snooze", str(item["id"]), "--until", "mon"), 2),
        (("cancel", str(item["id"])), 2),
        (("log", "ann", "dance", "Tango"), 2),
        (("log", "ann", "call", ""), 2),
        (("log", "ann", "Hi", "--at", "someday"), 2),
        (("followup", "edit", "999", "--title", "x"), 3),
        (("interaction", "rm", "999", "--yes"), 3),
        (("due", "--on", "2026-02-30"), 2),
    ]
    for args, code in cases:
        result = run(*args, code=code)
        err = result.stderr.strip()
        assert err.startswith("minicrm: ") and "\n" not in err, (args, err)
    assert "cancelled" in run("done", str(item["id"]), code=2).stderr
    assert changesets(db_path) == before


def test_log_moves_last_contacted_and_stale_follows(run, ann):
    run("edit", "ann", "--every", "30d")
    run("log", "ann", "call", "Talked about pricing", "--at", "40 days ago")
    stale = run.json("stale")
    assert [(s["contact"]["name"], s["days_since"], s["days_over"]) for s in stale] == [
        ("Ann Lee", 40, 10)
    ]
    assert stale[0]["reach"]["last_interaction"]["summary"] == "Talked about pricing"
    run("log", "ann", "Quick hello")
    assert run.json("stale") == []
    assert run.json("stale", "--on", "+31d")[0]["days_over"] == 1


def test_never_contacted_counts_from_when_added(run, ann):
    run("edit", "ann", "--every", "30d")
    assert run.json("stale", "--on", "2026-12-22") == []  # added 2026-11-22: 30 days, not over
    assert run.json("stale", "--on", "2026-12-23")[0]["since"] == "2026-11-22"


def test_tag_cadence_applies_and_own_cadence_wins(run, ann):
    run("add", "Bob", "--tag", "vip")
    run("add", "Cy", "--tag", "vip", "--every", "60d")
    assert run("tag", "cadence", "vip", "14d").stdout.startswith("Set")
    assert run.json("tag", "cadence") == [{"tag": "vip", "keep_in_touch_days": 14}]
    stale = run.json("stale", "--on", "2026-12-07")
    assert [(s["contact"]["name"], s["cadence_source"]) for s in stale] == [("Bob", "tag:vip")]
    run("tag", "cadence", "vip", "none")
    assert run.json("stale", "--on", "2026-12-07") == []
    run("tag", "cadence", "vip", code=2)
    run("tag", "cadence", "vip", "often", code=2)


def test_log_from_stdin_with_several_contacts(run, ann):
    run("add", "Bob Stone")
    result = run("log", "ann", "meeting", "-", "--with", "bob", input="Lunch at Rio\nSecond line\n")
    assert "Logged meeting" in result.stdout and "Bob Stone" in result.stdout
    for who in ("ann", "bob"):
        notes = run.json("notes", who)
        assert notes[0]["body"] == "Lunch at Rio\nSecond line"
        assert {c["name"] for c in notes[0]["contacts"]} == {"Ann Lee", "Bob Stone"}
    assert run.json("show", "bob")["last_contacted_at"] == "2026-11-22T09:30:00Z"


def test_notes_newest_first_edit_and_delete(run, ann):
    run("log", "ann", "First", "--at", "2026-11-01 10:00")
    run("log", "ann", "call", "Second", "--at", "yesterday 3pm")
    notes = run.json("notes", "ann")
    assert [n["body"] for n in notes] == ["Second", "First"]
    assert notes[0]["occurred_at"] == "2026-11-21T14:00:00Z"  # 15:00 in Berlin
    assert run.json("show", "ann")["last_contacted_at"] == "2026-11-21T14:00:00Z"
    edited = run.json(
        "interaction", "edit", str(notes[0]["id"]), "--text", "Second, edited", "--kind", "meeting"
    )
    assert edited["body"] == "Second, edited" and edited["kind"] == "meeting"
    run("interaction", "rm", str(notes[0]["id"]), code=1)  # a script must say --yes
    run("interaction", "rm", str(notes[0]["id"]), "--yes")
    assert [n["body"] for n in run.json("notes", "ann")] == ["First"]
    assert run.json("show", "ann")["last_contacted_at"] == "2026-11-01T09:00:00Z"


def test_done_note_becomes_an_interaction(run, ann):
    item = run.json("follow", "ann", "Send proposal")
    result = json.loads(run("done", str(item["id"]), "--note", "Sent v2 by mail", "--json").stdout)
    notes = run.json("notes", "ann")
    assert notes[0]["id"] == result["note_id"] and notes[0]["followup_id"] == item["id"]
    assert notes[0]["body"] == "Sent v2 by mail"


def test_snooze_reopen_cancel(run, ann):
    item = run.json("follow", "ann", "Call", "--due", "2026-11-20", "--at", "10:00")
    snoozed = run.json("snooze", str(item["id"]), "--until", "mon")
    assert snoozed["due"] == "2026-11-23T10:00" and snoozed["snoozed_from"] == "2026-11-20T10:00"
    assert run.json("due") == []
    run("snooze", str(item["id"]), "--until", "2026-11-01", code=2)
    run("cancel", str(item["id"]))
    assert run.json("followup", "ls") == []
    assert run.json("followup", "ls", "--status", "cancelled")[0]["status"] == "cancelled"
    reopened = run.json("reopen", str(item["id"]))
    assert reopened["status"] == "open" and reopened["cancelled_at"] is None
    run("reopen", str(item["id"]), code=2)


def test_followup_edit(run, ann):
    item = run.json("follow", "ann", "Call", "--due", "2026-12-01", "--every", "2w")
    edited = run.json(
        "followup",
        "edit",
        str(item["id"]),
        "--title",
        "Call back",
        "--at",
        "9:30",
        "--priority",
        "high",
        "--every",
        "none",
    )
    assert edited["title"] == "Call back" and edited["due"] == "2026-12-01T09:30"
    assert edited["priority"] == "high" and edited["recurrence"] is None
    run("followup", "edit", str(item["id"]), code=2)
    assert run.json("followup", "edit", str(item["id"]), "--at", "")["all_day"] is True
    assert run.json("followup", "show", str(item["id"]))["title"] == "Call back"
    run("followup", "rm", str(item["id"]), "--yes")
    run("followup", "show", str(item["id"]), code=3)


def test_birthdays_and_important_dates(run):
    run("add", "Ann", "--birthday", "1990-12-05", "--date", "anniversary:2015-11-30")
    run("add", "Bob", "--birthday", "--11-25")
    run("add", "Cy", "--birthday", "1980-02-29")
    items = run.json("birthdays", "--on", "2026-11-22", "--days", "30")
    assert [(i["contact"]["name"], i["label"], i["date"], i["years"]) for i in items] == [
        ("Bob", "birthday", "2026-11-25", None),
        ("Ann", "anniversary", "2026-11-30", 11),
        ("Ann", "birthday", "2026-12-05", 36),
    ]
    leap = run.json("birthdays", "--on", "2027-02-20", "--days", "10")
    assert [(i["contact"]["name"], i["date"], i["years"]) for i in leap] == [
        ("Cy", "2027-02-28", 47)
    ]
    assert "turns 36" in run("birthdays", "--on", "2026-11-22").stdout


def test_show_is_the_contact_page(run, ann):
    run("follow", "ann", "Send proposal", "--due", "2026-11-25")
    run("log", "ann", "call", "Intro call\nwith details")
    page = run.json("show", "ann")
    assert [f["title"] for f in page["open_followups"]] == ["Send proposal"]
    assert page["next_due"]["title"] == "Send proposal"
    assert page["recent_interactions"][0]["body"] == "Intro call\nwith details"
    out = run("show", "ann", "--on", "2026-11-27").stdout
    assert "Open follow-ups" in out and "2 days overdue" in out and "Intro call" in out
    assert "Last contacted" in out


def test_rm_contact_takes_its_timeline_and_follow_ups(run, ann, db_path):
    run("add", "Bob")
    run("log", "ann", "Alone")
    run("log", "ann", "Together", "--with", "bob")
    run("follow", "ann", "Call")
    run("rm", "ann", "--yes")
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM followups").fetchone()[0] == 0
    assert [r[0] for r in conn.execute("SELECT body FROM interactions")] == ["Together"]
    assert [n["body"] for n in run.json("notes", "bob")] == ["Together"]


def test_reopening_and_closing_again_does_not_duplicate_the_next(run, ann):
    item = run.json("follow", "ann", "Check in", "--due", "2026-11-30", "--every", "week")
    first_next = json.loads(run("done", str(item["id"]), "--json").stdout)["next"]
    run("reopen", str(item["id"]))
    again = json.loads(run("done", str(item["id"]), "--json").stdout)
    assert again["next"] is None
    open_items = run.json("followup", "ls")
    assert [f["id"] for f in open_items] == [first_next["id"]]


def test_cancel_skips_one_occurrence_and_stop_ends_the_series(run, ann):
    item = run.json("follow", "ann", "Report", "--due", "2026-12-01", "--every", "month")
    skipped = json.loads(run("cancel", str(item["id"]), "--json").stdout)
    assert skipped["cancelled"]["status"] == "cancelled" and skipped["next"]["due"] == "2027-01-01"
    stopped = json.loads(run("cancel", str(skipped["next"]["id"]), "--stop", "--json").stdout)
    assert stopped["next"] is None
    assert run.json("followup", "ls") == []
    err = run("cancel", str(item["id"]), code=2).stderr
    assert "already" in err or "nothing to do" in err


def test_first_occurrence_falls_on_the_rule(run, ann):
    item = run.json("follow", "ann", "Gym", "--due", "2026-12-02", "--every", "mon,thu")
    assert item["due"] == "2026-12-03"  # 2026-12-02 is a Wednesday
    nxt = json.loads(run("done", str(item["id"]), "--json").stdout)["next"]
    assert nxt["due"] == "2026-12-07"


def test_the_timeline_refuses_the_future(run, ann):
    err = run("log", "ann", "meeting", "Kick-off", "--at", "tomorrow 10am", code=2).stderr
    assert "in the future" in err and "follow" in err
    run("log", "ann", "Earlier today", "--at", "today")  # a day without a time is fine
    assert run.json("log", "ann", "x", "--at", "2026-12-05 10:00", "--on", "2026-12-06")["id"]


def test_until_none_on_a_plain_follow_up_is_harmless(run, ann):
    item = run.json("follow", "ann", "Once")
    edited = run.json("followup", "edit", str(item["id"]), "--until", "none", "--title", "Once!")
    assert edited["title"] == "Once!" and edited["recurrence"] is None


def test_important_dates_on_the_card_and_removed_however_typed(run):
    run("add", "Ann", "--date", "anniversary:2015-06-20")
    assert "Date (anniversary): 2015-06-20" in run("show", "ann").stdout
    assert run.json("edit", "ann", "--rm-date", "june 20 2015")["dates"] == []
    err = run("add", "Bob", "--date", "wedding:2030-01-01", code=2).stderr
    assert "date out of range" in err and "birthday" not in err
