"""Issue 15, replayed: a new user's working week (15 contacts, calls, follow-ups, deals,
the digest) on a frozen clock from Wednesday 2026-12-02, Europe/Berlin, asserting the right
answer at each point where the issue found a wrong or silent one (and issue 13's merge
of labels and dates). The terminal-only parts (the $EDITOR for `log REF KIND`, the
questions of `rm` and `deal won`, the picker) are in tests/test_daily_answers.py, on a
real pty."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.usefixtures("berlin")


def test_the_week(run, monkeypatch):
    def at(local: str) -> None:
        moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Europe/Berlin"))
        monkeypatch.setattr("minicrm.core.clock.now", lambda: moment.astimezone(UTC))

    def line_with(text: str, output: str) -> str:
        return next(line for line in output.splitlines() if text in line)

    # -- Wednesday 2026-12-02, early: fifteen contacts --------------------------------------
    at("2026-12-02 07:30")
    people = [
        ("Maria González", "-e", "maria@old.example", "-e", "work:maria@globex.example",
         "-c", "Globex", "-t", "hot", "-t", "lead", "-t", "spain", "-t", "decision-maker"),
        ("Sam Lee", "-e", "sam@lee.example", "-p", "+1 555 0100"),
        ("Ana Souza", "-e", "ana@souza.example"),
        ("Dana Scully", "-e", "dana@fbi.example"),
        ("Kenji Tanaka", "-e", "kenji@globex.example", "-c", "Globex",
         "--date", "anniversary:2015-06-20"),
        ("John Smith", "-e", "john@acme.example", "-c", "Acme"),
        ("Lena Fischer", "-e", "lena@fischer.example"),
        ("Raj Patel", "-e", "raj@initech.example", "-c", "Initech"),
        ("Chen Li", "-e", "chen@li.example"),
        ("Zoë Ünal", "-e", "zoe@unal.example"),
        ("Omar Haddad", "-e", "omar@haddad.example"),
        ("Priya Nair", "-e", "priya@nair.example"),
        ("Tom Berg", "-e", "tom@berg.example"),
    ]  # fmt: skip
    for name, *options in people:
        run("add", name, *options)
    # 15.5: the same name and company, and the same name alone, are noted like an email
    result = run("add", "John Smith", "-c", "acme")
    assert "note: #6 John Smith at Acme has the same name and company" in result.stderr
    result = run("add", "Kenji Tanaka", "-e", "work:KENJI@globex.example", "-c", "Initech",
                 "--date", "wedding:2015-06-20")  # fmt: skip
    assert "note: #5 Kenji Tanaka (Globex) has the same name" in result.stderr
    assert len(run.json("ls")) == 15
    pairs = {(p["a"]["id"], p["b"]["id"]): p for p in run.json("dupes")}
    assert (6, 14) in pairs and (5, 15) in pairs
    assert any(r["text"] == "same name and same company Acme" for r in pairs[6, 14]["reasons"])

    # 15.16: -p is the phone everywhere; the priority is --priority
    run("follow", "sam", "Prepare the call", "-p", "high", code=2)

    # -- 07:56: the morning's follow-ups ---------------------------------------------------
    at("2026-12-02 07:56")
    call6 = run.json("follow", "sam", "Call at 6", "--due", "today 06:00")["id"]
    at8 = run.json("follow", "raj", "Call at 8", "--due", "tomorrow 8am")["id"]
    at9 = run.json("follow", "raj", "Call at 9", "--due", "tomorrow 9am")["id"]
    # 15.1: a timed follow-up is overdue from its time on
    due = run.json("due")
    assert [(d["title"], d["overdue"], d["minutes_overdue"]) for d in due] == [
        ("Call at 6", True, 116)
    ]
    assert "2 h overdue" in line_with("Call at 6", run("due").stdout)
    tomorrow = run.json("due", "--on", "tomorrow 10am")
    assert [(d["title"], d["overdue"]) for d in tomorrow] == [
        ("Call at 6", True),
        ("Call at 8", True),
        ("Call at 9", True),
    ]
    digest = run("digest").stdout
    assert "Call at 6" in digest.split("OVERDUE")[1] and "2 h overdue" in digest

    # 15.2: `log REF KIND` without a text is refused in a script (no note "call")
    assert "no text after the kind 'call'" in run("log", "sam", "call", code=2).stderr
    # 15.3: --at today is now, never a noon hours ahead; the future is refused
    call = run.json("log", "sam", "call", "Called at last", "--at", "today")
    assert call["occurred_at"] == "2026-12-02T06:56:00Z"
    assert "in the future" in run("log", "sam", "note", "x", "--at", "tomorrow", code=2).stderr
    # 15.15: "ana" is Ana Souza, not Dana Scully or Kenji Tanaka
    assert run.json("log", "ana", "note", "Met at the fair")["contacts"][0]["name"] == "Ana Souza"
    err = run("show", "kenji", code=4).stderr
    assert "#5 Kenji Tanaka (kenji@globex.example, Globex)" in err
    assert "#15 Kenji Tanaka (KENJI@globex.example, Initech)" in err

    # thirteen promises for the week: twelve due Friday, one already late
    promises = [run.json("follow", "lena", f"Promise {n}", "--due", "fri")["id"] for n in range(12)]
    run("follow", "chen", "Forgotten", "--due", "yesterday")
    # a deal, with its next step
    run("deal", "add", "sam", "Licence", "--value", "5000", "--close", "2026-12-15")
    contract = run.json("follow", "--deal", "1", "Send the contract", "--due", "fri")["id"]
    next_wed = run.json("follow", "tom", "Review", "--due", "2026-12-09")["id"]
    run("follow", "tom", "Too far", "--due", "2026-12-10")

    # 15.7: "the next 7 days" is one window: agenda and the digest both reach Wed 12-09
    agenda = [a["title"] for a in run.json("agenda")]
    coming = json.loads(run("digest", "--format", "json").stdout)["upcoming"]
    assert "Review" in agenda and "Too far" not in agenda
    assert [c["title"] for c in coming] == [a for a in agenda if a in {c["title"] for c in coming}]
    assert "Review" in [c["title"] for c in coming]

    # 15.9: untag says what it removed and what remains
    out = run("untag", "maria", "hot").stdout.strip()
    assert out == "Removed tag hot from #1 Maria González; tags now: decision-maker, lead, spain"
    assert "is open already; nothing to reopen" in run("reopen", str(next_wed), code=2).stderr

    # 15.14: undo says what it took back, in words
    run("edit", "maria", "--rm-email", "maria@old.example")
    undone = run("undo").stdout.strip()
    assert undone.startswith("Undid edit of Maria González (#")
    assert undone.endswith("removed email maria@old.example")
    run("edit", "maria", "--rm-email", "maria@old.example")

    # -- Wednesday and Thursday: the twelve promises are kept early ---------------------------
    at("2026-12-02 17:00")
    for fid in promises[:6]:
        run("done", str(fid))
    at("2026-12-03 09:30")
    for fid in promises[6:]:
        run("done", str(fid))
    run("cancel", str(call6))  # the call was logged instead
    run("cancel", str(at8))
    run("cancel", str(at9))

    # 15.17: snooze without --until is tomorrow; the day may be given positionally
    # snooze only moves later: tomorrow is before the Review's Wednesday
    assert "moves a follow-up later" in run("snooze", str(next_wed), code=2).stderr
    assert run.json("snooze", str(next_wed), "2026-12-10")["due"] == "2026-12-10"

    # 15.8: the won deal says which follow-up stays open, and can close it
    result = run("deal", "won", "1")
    assert "#" + str(contract) + " Send the contract, due Fri 2026-12-04" in result.stderr
    assert "stays open" in result.stderr
    run("undo")
    result = run("deal", "won", "1", "--close-followups")
    assert f"Cancelled #{contract} Send the contract" in result.stdout
    won = run.json("deal", "show", "1")
    assert (won["closed_on"], won["close_date"]) == ("2026-12-03", "2026-12-15")

    # 13.5: merging the two Kenji Tanakas keeps the label and both dates of one day
    merged = json.loads(run("merge", "5", "15", "--yes", "--json").stdout)["contact"]
    assert [(e["label"], e["value"]) for e in merged["emails"]] == [
        ("work", "kenji@globex.example")
    ]
    assert sorted(d["label"] for d in merged["dates"]) == ["anniversary", "wedding"]

    # -- Friday 2026-12-04: how did the week go? ---------------------------------------------
    at("2026-12-04 18:00")
    kept = run.json("stats")["followups"]
    # the twelve kept early count (they were not due yet: issue 15.4), Forgotten is still
    # overdue; the cancelled ones do not count, Review (snoozed to Thursday) is not due yet
    assert (kept["on_time"], kept["late"], kept["overdue"]) == (12, 0, 1)
    headline = line_with("Promises:", run("stats").stdout)
    assert headline.startswith("Promises: kept 12 of 13 this week, 1 still overdue;")
