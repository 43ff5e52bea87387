"""minicrm activity: the feed across all contacts, and the weekly review (issue 19.2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

# The frozen clock is Sun 2026-11-22 09:30 UTC: "this week" is Mon 16 to Sun 22.


@pytest.fixture
def week(run, contact_factory, monkeypatch):
    def at(stamp: str) -> None:
        moment = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
        monkeypatch.setattr("minicrm.core.clock.now", lambda: moment)

    at("2026-11-09 08:00")  # the week before
    contact_factory("Old Friend", "-t", "vip")
    at("2026-11-16 08:00")
    contact_factory("Jane Doe", "-e", "jane@acme.io", "-c", "Acme", "-t", "vip")
    at("2026-11-16 08:01")
    contact_factory("Raj Patel", "-t", "investor")
    at("2026-11-16 08:02")
    run("follow", "jane", "Send the *deck*", "--due", "2026-11-20")
    at("2026-11-17 10:00")
    run("log", "jane", "call", "Pricing talk\nsecond line", "--at", "2026-11-17 09:00")
    run("deal", "add", "jane", "Website", "--value", "12000")
    at("2026-11-18 11:00")
    run("deal", "move", "1", "proposal")
    run("log", "raj", "meeting", "Board prep", "-w", "jane", "--at", "2026-11-18 10:00")
    at("2026-11-19 12:00")
    run("done", "1")
    at("2026-11-19 12:01")
    run("deal", "won", "1")
    at("2026-11-19 12:02")
    run("deal", "add", "raj", "Licences", "--value", "500")
    at("2026-11-19 12:03")
    run("deal", "lost", "2", "--reason", "price")
    at("2026-11-19 12:04")
    run("follow", "raj", "Dropped", "--due", "2026-11-30")
    at("2026-11-19 12:05")
    run("cancel", "2")
    at("2026-11-22 09:30")
    return run


def test_this_week_so_far_newest_first(week):
    out = week.json("activity")
    assert (out["since"], out["until"]) == ("2026-11-16", "2026-11-22")
    kinds = [e["kind"] for e in out["events"]]
    assert kinds == [
        "cancelled",
        "promised",
        "lost",
        "deal",
        "won",
        "done",
        "moved",
        "meeting",
        "deal",
        "call",
        "promised",
        "added",
        "added",
    ]
    meeting = out["events"][7]
    assert [c["name"] for c in meeting["contacts"]] == ["Raj Patel", "Jane Doe"]
    assert meeting["record"] == "interaction" and meeting["date"] == "2026-11-18"
    won = out["events"][4]
    assert (won["stage_from"], won["stage_to"], won["value"]) == (
        "proposal",
        "won",
        "12,000.00 EUR",
    )
    assert won["deal"]["name"] == "Website"
    assert out["events"][2]["lost_reason"] == "price"
    assert out["counts"]["added"] == 2  # Old Friend was added the week before
    text = week("activity").stdout
    assert "Wed 2026-11-18 11:00  moved" in text and "Website: lead → proposal" in text


def test_since_until_and_week_in_the_date_language(week):
    out = week.json("activity", "--since", "wed", "--until", "thu")
    assert (out["since"], out["until"]) == ("2026-11-18", "2026-11-19")
    assert {e["date"] for e in out["events"]} == {"2026-11-18", "2026-11-19"}
    last = week.json("activity", "--week", "last")
    assert (last["since"], last["until"]) == ("2026-11-09", "2026-11-15")
    assert [e["text"] for e in last["events"]] == ["Old Friend"]
    assert week.json("activity", "--since", "-1m")["counts"]["added"] == 3


def test_the_week_follows_the_configured_first_day(week):
    week("config", "set", "week.first_day", "sunday")
    out = week.json("activity")
    assert (out["since"], out["until"]) == ("2026-11-22", "2026-11-22")
    assert week.json("activity", "--week", "last")["since"] == "2026-11-15"


def test_kind_tag_and_contact_filters(week):
    assert [e["kind"] for e in week.json("activity", "--kind", "logged")["events"]] == [
        "meeting",
        "call",
    ]
    deals = week.json("activity", "--kind", "won,lost")
    assert [e["kind"] for e in deals["events"]] == ["lost", "won"]
    assert set(deals["counts"]) == {"won", "lost"}
    raj = week.json("activity", "--contact", "raj")
    assert {e["kind"] for e in raj["events"]} == {
        "cancelled",
        "promised",
        "lost",
        "deal",
        "meeting",
        "added",
    }
    investor = week.json("activity", "--tag", "investor", "--kind", "logged")
    assert [e["text"] for e in investor["events"]] == ["Board prep"]
    both = week.json("activity", "--tag", "vip", "--tag", "investor")
    assert both["events"] == []
    assert len(week.json("activity", "--limit", "3")["events"]) == 3


def test_the_weekly_review_in_markdown(week):
    text = week("activity", "--week", "this", "--format", "markdown").stdout
    assert text.startswith("# Activity, Mon 2026-11-16 to Sun 2026-11-22\n")
    assert (
        "2 interactions (1 call, 1 meeting), 1 follow-up done, 2 follow-ups promised, "
        "1 follow-up cancelled, 2 new deals, 1 deal moved, 1 deal won, 1 deal lost, "
        "2 contacts added"
    ) in text
    assert "### Tue 2026-11-17\n\n- 09:00 **call** with Jane Doe: Pricing talk\n" in text
    assert "- Thu 2026-11-19: Send the \\*deck\\* (Jane Doe)" in text  # escaped
    assert "## Deals" in text and "won Website, 12,000.00 EUR (Jane Doe)" in text
    assert "## New contacts\n\n- Mon 2026-11-16: Jane Doe\n- Mon 2026-11-16: Raj Patel\n" in text


def test_csv(week):
    lines = week("activity", "--kind", "call", "--format", "csv").stdout.splitlines()
    assert lines[0] == "at,date,kind,record,id,who,text,deal,value"
    assert lines[1].startswith("2026-11-17T09:00:00Z,2026-11-17,call,interaction,1,Jane Doe,")


@pytest.mark.parametrize(
    "args, text",
    [
        (["--kind", "party"], "no kind 'party'"),
        (["--since", "someday"], "not a date"),
        (["--since", "fri", "--until", "mon"], "is after --until"),
        (["--week", "next"], "this or last"),
        (["--week", "last", "--since", "mon"], "--week and --since/--until disagree"),
        (["--limit", "0"], "--limit 0 is out of range"),
        (["--tag", " "], "--tag needs a tag"),
        (["--json", "--format", "markdown"], "--json and --format disagree"),
    ],
)
def test_bad_input_is_one_line(run, args, text):
    result = run("activity", *args, code=2)
    assert text in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_contact_is_not_found(run):
    assert "no contact" in run("activity", "--contact", "nobody", code=3).stderr.lower()


def test_an_empty_week_prints_nothing_in_a_pipe(run):
    assert run("activity").stdout == ""
    assert run.json("activity")["events"] == []
    assert "No activity." in run("activity", "-f", "markdown").stdout
