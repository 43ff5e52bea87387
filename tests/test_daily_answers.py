"""Right answers in the daily loop (issue 15, "wrong or silent answers"): timed follow-ups
that are overdue from their time on, one meaning of "the next N days", `log` without a
text, `log --at`, `snooze`, wording of `untag`/`reopen`, a won deal's loose ends."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.usefixtures("berlin")

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def at(monkeypatch):
    """Set the frozen clock to a local (Berlin) wall-clock time, e.g. "2026-12-02 07:56"."""

    def set_clock(local: str) -> None:
        moment = datetime.fromisoformat(local).replace(tzinfo=BERLIN).astimezone(UTC)
        monkeypatch.setattr("minicrm.core.clock.now", lambda: moment)

    return set_clock


@pytest.fixture
def sam(run, at):
    at("2026-12-01 18:00")
    run("add", "Sam Lee", "--email", "sam@example.com")
    return "sam"


# -- 15.1 timed follow-ups are overdue from their time on --------------------------------


def test_a_timed_follow_up_is_overdue_from_its_time_on(run, at, sam):
    run("follow", "sam", "Call at 6", "--due", "2026-12-02", "--at", "06:00")
    run("follow", "sam", "All day", "--due", "2026-12-02")
    run("follow", "sam", "Call at 4pm", "--due", "2026-12-02", "--at", "16:00")
    at("2026-12-02 07:56")
    due = run.json("due")
    assert [d["title"] for d in due] == ["Call at 6", "All day", "Call at 4pm"]
    first, all_day, later = due
    assert first["overdue"] is True and first["overdue_since"] == "2026-12-02T06:00"
    assert first["minutes_overdue"] == 116 and first["days_overdue"] == 0
    assert all_day["overdue"] is False and all_day["overdue_since"] is None
    assert later["overdue"] is False and later["minutes_overdue"] is None
    table = run("due").stdout
    assert "2 h overdue" in next(x for x in table.splitlines() if "Call at 6" in x)
    text = run("digest").stdout
    overdue = text.split("OVERDUE")[1].split("TODAY")[0]
    assert "Call at 6" in overdue and "2 h overdue" in overdue
    assert "Call at 6" not in text.split("TODAY")[1]
    assert "Call at 4pm" in text.split("TODAY")[1]
    digest = json.loads(run("digest", "--format", "json").stdout)
    assert [i["title"] for i in digest["overdue"]] == ["Call at 6"]
    assert [i["title"] for i in digest["today"]] == ["All day", "Call at 4pm"]


def test_minutes_and_days_of_a_timed_overdue(run, at, sam):
    run("follow", "sam", "Yesterday 15h", "--due", "2026-12-01", "--at", "15:00")
    run("follow", "sam", "Yesterday all day", "--due", "2026-12-01")
    run("follow", "sam", "Just now", "--due", "2026-12-02", "--at", "07:50")
    at("2026-12-02 07:56")
    due = run.json("due")
    # most overdue first: yesterday 15:00, then the whole of yesterday (overdue since
    # midnight), then 07:50 today
    assert [d["title"] for d in due] == ["Yesterday 15h", "Yesterday all day", "Just now"]
    assert [d["overdue_since"] for d in due] == [
        "2026-12-01T15:00",
        "2026-12-02T00:00",
        "2026-12-02T07:50",
    ]
    assert [d["minutes_overdue"] for d in due] == [16 * 60 + 56, 7 * 60 + 56, 6]
    table = run("due").stdout
    assert "17 h overdue" in table and "1 day overdue" in table and "6 min overdue" in table


def test_due_on_a_later_time_counts_the_earlier_items_of_that_day_overdue(run, at, sam):
    for hour in ("08:00", "09:00", "11:00"):
        run("follow", "sam", f"At {hour}", "--due", "2026-12-03", "--at", hour)
    at("2026-12-02 07:56")
    due = run.json("due", "--on", "tomorrow 10am")
    assert [(d["title"], d["overdue"]) for d in due] == [
        ("At 08:00", True),
        ("At 09:00", True),
        ("At 11:00", False),
    ]
    assert [d["minutes_overdue"] for d in due] == [120, 60, None]
    table = run("due", "--on", "tomorrow 10am").stdout
    assert "2 h overdue" in table and "1 h overdue" in table
    agenda = run("agenda", "--on", "tomorrow 10am").stdout
    overdue_part = agenda.split("Overdue")[1].split("(today)")[0]
    assert "At 08:00" in overdue_part and "At 09:00" in overdue_part
    assert "At 11:00" not in overdue_part


def test_the_contact_page_says_a_timed_follow_up_is_overdue(run, at, sam):
    run("follow", "sam", "Call at 6", "--due", "2026-12-02", "--at", "06:00")
    at("2026-12-02 07:56")
    page = run("show", "sam").stdout
    assert "2 h overdue" in page


def test_minutes_overdue_are_real_minutes_across_a_clock_change():
    from minicrm.activity import views
    from minicrm.core import dates

    # 2026-10-25 in Berlin: 03:00 summer time becomes 02:00 winter time (an hour repeats)
    now = dates.local_now(dates.When(date(2026, 10, 25), time(4, 0)))
    assert views.overdue_state("2026-10-25", "01:30", now) == (0, "2026-10-25T01:30", 210)
    assert views.overdue_state("2026-10-24", None, now) == (1, "2026-10-25T00:00", 5 * 60)
    assert views.overdue_state("2026-10-25", "04:30", now) == (0, None, None)


# -- 15.7 "the next 7 days" is one window everywhere -------------------------------------


def test_the_next_seven_days_are_one_window_in_agenda_digest_and_birthdays(run, at, sam):
    run("follow", "sam", "Next Tue", "--due", "2026-12-08")
    run("follow", "sam", "Next Wed", "--due", "2026-12-09")
    run("follow", "sam", "Next Thu", "--due", "2026-12-10")
    run("add", "Wed Birthday", "--birthday", "1980-12-09")
    run("add", "Thu Birthday", "--birthday", "1980-12-10")
    at("2026-12-02 07:56")
    agenda = [a["title"] for a in run.json("agenda")]
    digest = json.loads(run("digest", "--format", "json").stdout)
    upcoming = [i["title"] for i in digest["upcoming"]]
    assert agenda == upcoming == ["Next Tue", "Next Wed"]
    born = [b["contact"]["name"] for b in run.json("birthdays", "--days", "7")]
    assert born == [d["contact"]["name"] for d in digest["dates"]] == ["Wed Birthday"]
    assert "Wed 2026-12-09" in run("agenda").stdout
    assert [a["title"] for a in run.json("agenda", "--days", "0")] == []
    assert [b["contact"]["name"] for b in run.json("birthdays", "--days", "8")] == [
        "Wed Birthday",
        "Thu Birthday",
    ]


@pytest.mark.parametrize("command", [["agenda"], ["birthdays"], ["digest"]])
def test_one_range_for_days(run, command):
    run(*command, "--days", "0")
    run(*command, "--days", "365")
    for bad in ("366", "-1"):
        result = run(*command, "--days", bad, code=2)
        assert f"--days {bad} is out of range (0 to 365)" in result.stderr


# -- a real terminal ----------------------------------------------------------------------


def pty_dialog(
    argv: list[str], env: dict[str, str], steps: list[tuple[bytes, bytes]], timeout: float = 30
) -> tuple[int, bytes]:
    """Run the real `minicrm ARGV` on a pseudo-terminal; for each (expected, answer) wait
    until the screen shows ``expected`` (after what the last step waited for), then type
    ``answer``. Returns (exit code, everything the terminal received). Never hangs: past
    ``timeout`` the command is killed and the test fails."""
    import os
    import pty
    import select
    import subprocess
    import time

    from conftest import MINICRM

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*MINICRM, *argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    screen = bytearray()
    seen = 0
    deadline = time.monotonic() + timeout
    pending = list(steps)
    try:
        while True:
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"still running after {timeout}s: {bytes(screen)[-500:]!r}")
            if pending and pending[0][0] in screen[seen:]:
                expected, answer = pending.pop(0)
                seen = screen.index(expected, seen) + len(expected)
                os.write(master, answer)
                continue
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                break
            screen += chunk
        assert not pending, f"never saw {pending[0][0]!r} on {bytes(screen)[-500:]!r}"
        return proc.wait(timeout=10), bytes(screen)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()


@pytest.fixture
def term_env(cli_env, tmp_path):
    """The environment of a person at a terminal (no NO_COLOR, TERM set), on this test's
    database, with an $EDITOR that appends what tests/…/editor_text holds."""
    env = dict(cli_env)
    env.pop("NO_COLOR", None)
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40", TZ="Europe/Berlin")
    return env


def fake_editor(tmp_path, text: str) -> str:
    """An $EDITOR that keeps a copy of the file it was given and appends ``text``."""
    import stat
    import sys

    script = tmp_path / "editor.py"
    script.write_text(
        f"#!{sys.executable}\n"
        "import shutil, sys\n"
        f"shutil.copyfile(sys.argv[1], {str(tmp_path / 'template.txt')!r})\n"
        f"open(sys.argv[1], 'a', encoding='utf-8').write({text!r})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


# -- 15.2 `log REF KIND` without a text ---------------------------------------------------


def test_log_with_only_a_kind_is_refused_in_a_script(run, sam):
    result = run("log", "sam", "call", code=2)
    assert "no text after the kind 'call'" in result.stderr
    assert 'minicrm log sam call "TEXT"' in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert run.json("notes", "sam") == []
    result = run("log", "sam", "Call", code=2)  # any case: still the kind
    assert run.json("notes", "sam") == []
    run("log", "sam", "note", "call")  # the text "call" said as such
    assert [(n["kind"], n["body"]) for n in run.json("notes", "sam")] == [("note", "call")]


def test_log_with_only_a_kind_opens_the_editor_at_a_terminal(run, sam, term_env, tmp_path):
    env = {**term_env, "EDITOR": fake_editor(tmp_path, "Talked pricing\nwants a quote\n")}
    code, screen = pty_dialog(["log", "sam", "call"], env, [])
    assert code == 0, screen
    assert b"Logged call #1 with Sam Lee" in screen
    template = (tmp_path / "template.txt").read_text()
    assert "Sam Lee" in template and all(
        line.startswith("#") for line in template.splitlines() if line.strip()
    )
    (note,) = run.json("notes", "sam")
    assert (note["kind"], note["body"]) == ("call", "Talked pricing\nwants a quote")


def test_an_empty_text_from_the_editor_logs_nothing(run, sam, term_env, tmp_path):
    env = {**term_env, "EDITOR": fake_editor(tmp_path, "\n# still only a comment\n")}
    code, screen = pty_dialog(["log", "sam", "meeting"], env, [])
    assert code == 1 and b"nothing was logged" in screen
    assert run.json("notes", "sam") == []


# -- 15.17 `log REF note -` at a terminal says how to end the text ------------------------


def test_reading_the_text_from_a_terminal_says_how_to_end_it(run, sam, term_env):
    code, screen = pty_dialog(
        ["log", "sam", "note", "-"], term_env, [(b"Ctrl-D", b"Met at the fair\n\x04")]
    )
    assert code == 0 and b"Logged note #1 with Sam Lee" in screen
    assert run.json("notes", "sam")[0]["body"] == "Met at the fair"


def test_reading_the_text_from_a_pipe_says_nothing(run, sam):
    result = run("log", "sam", "note", "-", input="Met at the fair\n")
    assert result.stderr == ""


# -- 15.3 `log --at`: the timeline records what happened ---------------------------------


def test_log_at_today_is_now_and_a_past_day_is_its_noon(run, at, sam):
    at("2026-12-02 07:56")
    today = run.json("log", "sam", "call", "Early call", "--at", "today")
    assert today["occurred_at"] == "2026-12-02T06:56:00Z"  # now, not a noon hours ahead
    past = run.json("log", "sam", "note", "Yesterday", "--at", "yesterday")
    assert past["occurred_at"] == "2026-12-01T11:00:00Z"  # local noon of that day
    exact = run.json("log", "sam", "note", "Exact", "--at", "yesterday 3pm")
    assert exact["occurred_at"] == "2026-12-01T14:00:00Z"
    on = run.json("log", "sam", "note", "On", "--at", "today", "--on", "2026-11-30")
    assert on["occurred_at"] == "2026-11-30T06:56:00Z"


@pytest.mark.parametrize("when", ["tomorrow", "today 9am", "in 2 days", "+1w"])
def test_log_at_a_future_time_is_refused_with_one_line(run, at, sam, when):
    at("2026-12-02 07:56")
    result = run("log", "sam", "call", "Future", "--at", when, code=2)
    assert "is in the future" in result.stderr and "minicrm follow" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert run.json("notes", "sam") == []


# -- 15.17 snooze without --until, and rm's question ---------------------------------------


def test_snooze_defaults_to_tomorrow_and_takes_the_day_positionally(run, at, sam):
    at("2026-12-02 07:56")
    timed = run.json("follow", "sam", "Call", "--due", "today", "--at", "9am")
    plain = run.json("follow", "sam", "Mail", "--due", "today")
    snoozed = run.json("snooze", str(timed["id"]))
    assert snoozed["due"] == "2026-12-03T09:00"  # tomorrow, at its time
    assert snoozed["snoozed_from"] == "2026-12-02T09:00"
    assert run.json("snooze", str(plain["id"]), "fri", "2pm")["due"] == "2026-12-04T14:00"
    assert run.json("snooze", str(plain["id"]), "--until", "+3d")["due"] == "2026-12-05T14:00"
    assert run.json("snooze", str(plain["id"]), "tue")["due"] == "2026-12-08T14:00"
    out = run("snooze", str(timed["id"]), "fri").stdout
    assert out.startswith(f"Snoozed #{timed['id']} Call for Sam Lee, due Fri 2026-12-04 09:00")
    err = run("snooze", str(plain["id"]), "mon", "--until", "tue", code=2).stderr
    assert "once" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "when", ["wed", "today", "today 2pm", "tomorrow", "fri", "2026-12-07 09:00", "mon 8am"]
)
def test_snooze_never_moves_a_follow_up_earlier_or_into_the_past(run, at, sam, when):
    # a new-user trial: `snooze ID wed` on a Wednesday moved Mon 09:00 back to Wed 09:00
    at("2026-12-01 18:00")
    item = run.json("follow", "sam", "Call", "--due", "2026-12-07", "--at", "9am")
    at("2026-12-02 15:00")  # a Wednesday
    err = run("snooze", str(item["id"]), *when.split(), code=2).stderr
    assert err.strip().splitlines() == [
        "minicrm: snooze moves a follow-up later: it is due Mon 2026-12-07 09:00;"
        " give a later day, e.g. 'next wed'"
    ]
    assert run.json("followup", "show", str(item["id"]))["due"] == "2026-12-07T09:00"
    assert run.json("snooze", str(item["id"]), "next", "wed")["due"] == "2026-12-09T09:00"


def test_snooze_refuses_a_time_earlier_today(run, at, sam):
    at("2026-12-01 18:00")
    item = run.json("follow", "sam", "Call", "--due", "2026-11-30", "--at", "9am")
    at("2026-12-02 15:00")
    err = run("snooze", str(item["id"]), "today", code=2).stderr  # today 09:00: past
    assert err.strip().splitlines() == [
        "minicrm: cannot snooze until Wed 2026-12-02 09:00: that is in the past;"
        " give a later day or time, e.g. 'tomorrow' or 'today 5pm'"
    ]
    assert run.json("snooze", str(item["id"]), "today", "5pm")["due"] == "2026-12-02T17:00"
    plain = run.json("follow", "sam", "Mail", "--due", "2026-11-30")
    assert run.json("snooze", str(plain["id"]), "today")["due"] == "2026-12-02"  # a whole day


def test_rm_asks_with_what_goes_with_the_contact(run, sam, term_env):
    run("add", "Ann Other")
    run("log", "sam", "call", "One")
    run("log", "sam", "note", "Two")
    run("log", "sam", "meeting", "Shared", "--with", "ann")
    run("follow", "sam", "Send the deck")
    run("deal", "add", "sam", "Licence", "--value", "500")
    code, screen = pty_dialog(["rm", "sam"], term_env, [(b"[y/N]", b"n\r")])
    text = screen.decode()
    assert code == 1 and "cancelled; nothing was changed" in text
    question = next(line for line in text.splitlines() if "[y/N]" in line)
    assert "Delete #1 Sam Lee" in question
    assert "2 interactions" in question and "1 follow-up" in question
    assert "1 shared interaction" in question and "1 deal" in question
    assert run.json("show", "sam")["name"] == "Sam Lee"


# -- 15.9 say what was done, and what remains ---------------------------------------------


def test_untag_says_what_was_removed_and_what_remains(run):
    run("add", "Maria González", "-t", "lead", "-t", "hot", "-t", "spain", "-t", "decision-maker")
    out = run("untag", "maria", "hot").stdout.strip()
    assert out == ("Removed tag hot from #1 Maria González; tags now: decision-maker, lead, spain")
    out = run("untag", "maria", "hot").stdout.strip()
    assert out == "#1 Maria González has no tag hot; tags: decision-maker, lead, spain"
    out = run("untag", "maria", "lead", "cold").stdout.strip()
    assert out == (
        "Removed tag lead from #1 Maria González (it had no tag cold); "
        "tags now: decision-maker, spain"
    )
    out = run("untag", "maria", "spain", "decision-maker").stdout.strip()
    assert out == "Removed tags spain, decision-maker from #1 Maria González; no tags left"


def test_tag_says_what_was_added_and_what_the_tags_are(run):
    run("add", "Maria González", "-t", "lead")
    out = run("tag", "maria", "hot").stdout.strip()
    assert out == "Added tag hot to #1 Maria González; tags now: hot, lead"
    out = run("tag", "maria", "hot", "lead").stdout.strip()
    assert out == "#1 Maria González already has tags hot, lead"
    out = run("tag", "maria", "vip", "hot").stdout.strip()
    assert out == "Added tag vip to #1 Maria González (it had tag hot); tags now: hot, lead, vip"


def test_reopen_on_an_open_follow_up_says_so_once(run, sam):
    run("follow", "sam", "Call")
    err = run("reopen", "1", code=2).stderr.strip()
    assert err == "minicrm: follow-up #1 is open already; nothing to reopen"
    run("done", "1")
    err = run("done", "1", code=2).stderr.strip()
    assert err == "minicrm: follow-up #1 is done already; nothing to do"
    run("reopen", "1")
    run("cancel", "1")
    err = run("cancel", "1", code=2).stderr.strip()
    assert err == "minicrm: follow-up #1 is cancelled already; nothing to do"
    err = run("snooze", "1", code=2).stderr.strip()
    assert err == (
        "minicrm: cannot snooze follow-up #1: it is cancelled (reopen it first: minicrm reopen 1)"
    )


def test_archive_and_unarchive_say_what_the_contact_is(run):
    run("add", "Raj Patel")
    assert run("unarchive", "raj").stdout.strip() == "#1 Raj Patel is not archived; nothing to do"
    assert run("archive", "raj").stdout.strip() == "Archived #1 Raj Patel"
    assert run("archive", "raj").stdout.strip() == "#1 Raj Patel is archived already"


def test_tag_cadence_says_what_it_did(run):
    assert run("tag", "cadence", "vip", "14d").stdout.strip() == (
        "Set: contacts tagged vip every 14 days"
    )
    assert run("tag", "cadence", "vip", "2w").stdout.strip() == (
        "Contacts tagged vip: every 14 days already"
    )
    assert run("tag", "cadence", "vip", "none").stdout.strip() == (
        "Removed the keep-in-touch cadence of tag vip"
    )
    assert run("tag", "cadence", "vip", "none").stdout.strip() == (
        "Tag vip has no keep-in-touch cadence; nothing to remove"
    )


# -- 15.4 stats: a promise kept early was kept on time -----------------------------------


def test_stats_counts_follow_ups_done_before_their_due_date(run, at, sam):
    at("2026-11-30 09:00")  # Monday
    ids = [run.json("follow", "sam", f"Promise {n}", "--due", "fri")["id"] for n in range(12)]
    run("follow", "sam", "Forgotten", "--due", "2026-12-01")
    at("2026-12-02 07:56")  # Wednesday: all twelve done early, one overdue since Tuesday
    for fid in ids:
        run("done", str(fid))
    kept = run.json("stats")["followups"]
    assert (kept["on_time"], kept["late"], kept["overdue"]) == (12, 0, 1)
    assert (kept["kept"], kept["total"]) == (12, 13)
    assert kept["on_time_rate"] == round(12 / 13, 4)
    assert kept["trend"][-1]["start"] == "2026-11-30"  # this week
    assert (kept["trend"][-1]["on_time"], kept["trend"][-1]["overdue"]) == (12, 1)
    out = run("stats").stdout
    headline = next(line for line in out.splitlines() if line.startswith("Promises"))
    assert headline == (
        "Promises: kept 12 of 13 this week, 1 still overdue; "
        "kept 12 of 13 in the last 12 weeks, 1 still overdue"
    )
    # as of Tuesday, none of them was done yet: nothing kept, nothing due but the one
    tuesday = run.json("stats", "--on", "2026-12-01")["followups"]
    assert (tuesday["on_time"], tuesday["late"], tuesday["overdue"]) == (0, 0, 0)


def test_a_promise_kept_early_counts_once_on_the_day_it_was_kept(run, at, sam):
    at("2026-11-20 09:00")
    early = run.json("follow", "sam", "Early", "--due", "2026-12-10")["id"]
    late = run.json("follow", "sam", "Late", "--due", "2026-11-23")["id"]
    run("done", str(early))  # kept on Fri 2026-11-20, three weeks before it was due
    at("2026-11-25 09:00")
    run("done", str(late))
    at("2026-12-02 07:56")
    kept = run.json("stats", "--period", "4w")["followups"]
    assert (kept["on_time"], kept["late"], kept["overdue"]) == (1, 1, 0)
    weeks = {t["start"]: (t["on_time"], t["late"]) for t in kept["trend"]}
    assert weeks["2026-11-16"] == (1, 0) and weeks["2026-11-23"] == (0, 1)
    out = run("stats", "--period", "4w").stdout
    assert "none came due this week; kept 2 of 2 in the last 4 weeks (1 of them late)" in out
    # a period that ends before the day it was kept does not count it
    before = run.json("stats", "--period", "2w", "--on", "2026-11-19")["followups"]
    assert (before["on_time"], before["late"], before["overdue"]) == (0, 0, 0)


# -- 15.5 exact duplicates: warned at add, found by dupes ---------------------------------


def test_add_warns_about_the_same_name_and_company_and_the_same_name(run):
    run("add", "John Smith", "-c", "Acme")
    result = run("add", "John Smith", "-c", "acme")
    assert result.stdout.strip() == "Added #2 John Smith"
    assert "note: #1 John Smith at Acme has the same name and company" in result.stderr
    run("add", "Kenji Tanaka", "-c", "Globex")
    result = run("add", "Kenji Tanaka", "-c", "Initech")
    assert "note: #3 Kenji Tanaka (Globex) has the same name" in result.stderr
    assert run("add", "Kenji Tanaka").stderr.count("has the same name") == 2
    assert run("add", "Someone Else").stderr == ""


def test_dupes_finds_exact_same_names_with_score_and_reason(run):
    run("add", "Kenji Tanaka", "-c", "Globex")
    run("add", "Kenji Tanaka", "-c", "Initech")
    run("add", "Maria")  # one word: a first name, not a full name
    run("add", "maria")
    run("add", "Jon Smith", "-c", "Acme")
    run("add", "John Smith", "-c", "Globex")  # alike, not the same: no evidence alone
    found = run.json("dupes")
    assert [(p["a"]["id"], p["b"]["id"]) for p in found] == [(1, 2)]
    assert found[0]["score"] == 0.5
    assert [(r["kind"], r["text"]) for r in found[0]["reasons"]] == [
        ("name", "same name, different companies (Globex, Initech)")
    ]
    assert "same name" in run("dupes").stdout


def test_a_full_name_shared_by_many_is_a_common_name_not_evidence(run):
    for company in ("A", "B", "C", "D"):
        run("add", "Wei Zhang", "-c", company)
    assert run.json("dupes") == []
    run("add", "Ann Lee", "-e", "ann@x.io")
    run("add", "Ann Lee", "-e", "ann@x.io")
    (pair,) = run.json("dupes")
    assert sorted(r["kind"] for r in pair["reasons"]) == ["email", "name"]
    assert pair["score"] == round(1 - 0.1 * 0.5, 2)


def test_archived_namesakes_are_left_out_unless_asked(run):
    run("add", "Kenji Tanaka")
    run("add", "Kenji Tanaka")
    run("archive", "2")
    assert run.json("dupes") == []
    assert [(p["a"]["id"], p["b"]["id"]) for p in run.json("dupes", "--archived")] == [(1, 2)]


# -- 13.5 a merge keeps labels and dates ------------------------------------------------


def test_merge_keeps_b_s_label_where_a_has_none_and_notes_a_differing_one(run):
    run("add", "Maria González", "-e", "maria@x.io", "-p", "work:+34 600 000 001")
    run("add", "Maria G", "-e", "home:MARIA@x.io", "-p", "mobile:+34600000001")
    plan = json.loads(run("merge", "1", "2", "--dry-run", "--json").stdout)
    rules = {f["field"]: f["rule"] for f in plan["fields"]}
    assert rules["emails"] == "a + labels" and rules["phones"] == "a"
    merged = json.loads(run("merge", "1", "2", "--yes", "--json").stdout)["contact"]
    assert [(e["label"], e["value"]) for e in merged["emails"]] == [("home", "maria@x.io")]
    assert [(p["label"], p["value"]) for p in merged["phones"]] == [("work", "+34 600 000 001")]
    assert "phone +34600000001: label mobile" in merged["notes"]
    assert "email" not in merged["notes"]
    run("undo")
    assert [(e["label"], e["value"]) for e in run.json("show", "1")["emails"]] == [
        (None, "maria@x.io")
    ]
    assert run.json("show", "2")["emails"][0] == {"label": "home", "value": "MARIA@x.io"}


def test_merge_keeps_both_dates_of_one_day_with_different_labels(run):
    run("add", "Ann Lee", "--date", "anniversary:2015-06-20", "--date", "2019-03-01")
    run("add", "Ann L", "--date", "wedding:2015-06-20", "--date", "founded:2019-03-01")
    plan = json.loads(run("merge", "1", "2", "--dry-run", "--json").stdout)
    dates_rule = next(f for f in plan["fields"] if f["field"] == "dates")
    assert dates_rule["result"] == ["2015-06-20", "2019-03-01", "2015-06-20"]
    merged = json.loads(run("merge", "1", "2", "--yes", "--json").stdout)["contact"]
    assert sorted((d["label"] or "", d["value"]) for d in merged["dates"]) == [
        ("anniversary", "2015-06-20"),
        ("founded", "2019-03-01"),
        ("wedding", "2015-06-20"),
    ]
    days = {(b["label"], b["date"]) for b in run.json("birthdays", "--days", "365")}
    assert {("anniversary", "2027-06-20"), ("wedding", "2027-06-20")} <= days


# -- 15.8 a won deal's loose ends ---------------------------------------------------------


@pytest.fixture
def deal(run, at, sam):
    at("2026-12-01 10:00")
    run("deal", "add", "sam", "Licence", "--value", "5000", "--close", "2026-12-15")
    run("follow", "--deal", "1", "Send the contract", "--due", "2026-12-04")
    run("follow", "--deal", "1", "Kick-off call", "--due", "2026-12-08", "--every", "1w")
    at("2026-12-03 11:00")
    return 1


def test_a_won_deal_says_which_follow_ups_stay_open(run, deal):
    result = run("deal", "won", "1")
    assert result.stdout.startswith("Won deal #1 Licence with Sam Lee")
    assert "note: deal #1 is won; 2 of its follow-ups stay open:" in result.stderr
    assert "#1 Send the contract, due Fri 2026-12-04" in result.stderr
    assert "--close-followups" in result.stderr
    assert [f["status"] for f in run.json("followup", "ls", "--status", "all")] == ["open"] * 2


def test_close_followups_cancels_them_in_the_same_change_set(run, deal):
    result = run("deal", "won", "1", "--close-followups")
    assert "Cancelled #1 Send the contract for Sam Lee" in result.stdout
    assert "Cancelled #2 Kick-off call" in result.stdout
    assert result.stderr == ""
    items = run.json("followup", "ls", "--status", "all")
    assert [f["status"] for f in items] == ["cancelled", "cancelled"]  # the series ends too
    run("undo")
    assert run.json("deal", "show", "1")["stage"] == "lead"
    assert [f["status"] for f in run.json("followup", "ls")] == ["open", "open"]
    result = run("deal", "lost", "1", "--close-followups", "--json")
    assert json.loads(result.stdout)["stage"] == "lost"


def test_a_won_deal_asks_at_a_terminal(run, deal, term_env):
    code, screen = pty_dialog(["deal", "won", "1"], term_env, [(b"[y/N]", b"y\r")])
    text = screen.decode()
    assert code == 0, text
    assert "Cancel them? [y/N]" in text and "#1 Send the contract" in text
    assert [f["status"] for f in run.json("followup", "ls", "--status", "all")] == [
        "cancelled",
        "cancelled",
    ]


def test_a_closed_deal_shows_the_day_it_was_closed(run, deal):
    run("deal", "won", "1", "--on", "2026-12-02")
    data = run.json("deal", "show", "1")
    assert data["close_date"] == "2026-12-15" and data["closed_on"] == "2026-12-02"
    card = run("deal", "show", "1").stdout
    assert "Won on:" in card and "2026-12-02" in card and "Expected close: 2026-12-15" in card
    listed = run("deal", "ls", "--status", "won").stdout
    assert "2026-12-02" in listed and "2026-12-15" not in listed
    assert run.json("deal", "ls", "--status", "won")[0]["closed_on"] == "2026-12-02"
    run("deal", "move", "1", "proposal")
    assert run.json("deal", "show", "1")["closed_on"] is None


# -- 15.15 names: exact, then word start, then inside a word ------------------------------


@pytest.fixture
def people(run):
    run("add", "Ana Souza", "-e", "ana@souza.example", "-c", "Souza Ltda")
    run("add", "Dana Scully", "-e", "dana@fbi.example")
    run("add", "Kenji Tanaka", "-e", "kenji@globex.example", "-c", "Globex")
    return run


def test_a_word_start_beats_a_substring_inside_a_word(people):
    run = people
    assert run.json("log", "ana", "note", "Hello")["contacts"][0]["name"] == "Ana Souza"
    assert run.json("show", "tanaka")["name"] == "Kenji Tanaka"  # a later word's start
    assert run.json("show", "cully")["name"] == "Dana Scully"  # inside a word: the only one
    assert run.json("show", "ana souza")["name"] == "Ana Souza"
    run("add", "Anabel Diaz")
    err = run("show", "ana", code=4).stderr
    assert "'ana' matches 2 contacts" in err
    assert "Ana Souza" in err and "Anabel Diaz" in err
    assert "Dana" not in err and "Kenji" not in err
    err = run("show", "an", code=4).stderr  # word starts only, never a guess
    assert "matches 2 contacts" in err and "Dana" not in err and "Kenji" not in err
    err = run("show", "n", code=4).stderr  # no word starts with n: inside words then
    assert "matches 4 contacts" in err


def test_the_ambiguity_error_tells_namesakes_apart(people):
    run = people
    run("add", "Kenji Tanaka", "-e", "k.tanaka@initech.example", "-c", "Initech")
    run("archive", "4")
    err = run("show", "kenji", code=4).stderr.strip()
    assert err == (
        "minicrm: 'kenji' matches 2 contacts: #3 Kenji Tanaka (kenji@globex.example, Globex); "
        "#4 Kenji Tanaka (k.tanaka@initech.example, Initech; archived) (use the #id)"
    )


def test_the_picker_shows_email_and_company(people, term_env):
    run = people
    run("add", "Kenji Tanaka", "-e", "k.tanaka@initech.example", "-c", "Initech")
    code, screen = pty_dialog(["show", "kenji", "--json"], term_env, [(b"Which one", b"2\r")])
    text = screen.decode()
    assert code == 0, text
    assert "1) #3 Kenji Tanaka (kenji@globex.example, Globex)" in text
    assert "2) #4 Kenji Tanaka (k.tanaka@initech.example, Initech)" in text
    assert '"k.tanaka@initech.example"' in text


# -- 15.14 undo and history say what was done, as a person would ----------------------


def test_undo_says_what_it_took_back_in_words(run):
    run("add", "Maria González", "-e", "maria@old.example", "-e", "maria@new.example")
    run("edit", "maria", "--rm-email", "maria@old.example", "--title", "CTO")
    out = run("undo").stdout.strip()
    assert out.startswith("Undid edit of Maria González (#2, ")
    assert out.endswith("): set title to CTO; removed email maria@old.example")
    for database_word in ("rows", "contact_emails", "updated_at", "recorded as"):
        assert database_word not in out
    verbose = run("redo", "--verbose").stdout
    assert "contact_emails: 1 deleted" in verbose and "recorded as #4" in verbose
    data = run.json("undo")  # the JSON shape is unchanged
    assert set(data) == {"action", "dry_run", "rows", "steps"}
    assert data["steps"][0]["changeset"]["counts"]["contact_emails"] == {"delete": 1}


def test_history_lists_what_each_command_did_and_rows_only_when_verbose(run):
    run("add", "Maria González", "-t", "hot", "-t", "lead", "-e", "maria@x.io")
    run("untag", "maria", "hot")
    run("log", "maria", "call", "Talked pricing")
    run("follow", "maria", "Send the deck", "--due", "2026-11-27")
    run("done", "1")
    text = run("history").stdout
    assert "#1  2026-11-22 10:30  add of Maria González\n" in text
    assert "    added contact Maria González (with 1 email, 2 tags)" in text
    assert "#2  2026-11-22 10:30  untag of Maria González\n    removed tag hot" in text
    assert '    logged call "Talked pricing"' in text
    assert '    added follow-up "Send the deck" due 2026-11-27' in text
    assert '    marked "Send the deck" done' in text
    for database_word in ("contact_tags", "updated_at", "interaction_contacts", "~ ", "+ "):
        assert database_word not in text
    verbose = run("history", "--verbose").stdout
    assert "minicrm untag maria hot" in verbose and "- contact_tags #1 hot" in verbose
    assert run.json("history")[0]["command"] == "minicrm done 1"
