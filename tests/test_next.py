"""minicrm next: one ranked list of what to do now (issue 19.1)."""

from __future__ import annotations

import json

import pytest

from minicrm.nextup import service

# The frozen clock is Sun 2026-11-22 09:30 UTC (tests/conftest.py).


@pytest.fixture
def day(run, contact_factory):
    contact_factory(
        "Jane Doe", "-e", "jane@acme.io", "-p", "+1 555 0100", "--birthday", "1980-11-22"
    )
    contact_factory("Raj Patel", "-e", "raj@initech.example")
    contact_factory("Sam Lee", "--every", "30d")
    run("follow", "jane", "Call about renewal", "--due", "2026-11-19")
    run("follow", "raj", "Send the deck", "--due", "today", "--priority", "high")
    run("follow", "raj", "Later", "--due", "2026-11-30")
    run("deal", "add", "jane", "Website", "--value", "12000", "--close", "2026-11-01")
    run("deal", "add", "raj", "Licences", "--value", "500")
    return run


def test_next_ranks_every_kind_by_the_documented_urgency(day):
    out = day.json("next", "--on", "2027-01-01 10:00")
    assert out["as_of"] == "2027-01-01"
    kinds = [(i["kind"], i["reason"]) for i in out["items"]]
    # 41 days overdue (capped at 30 days) and high priority: 100 + 150 + 30
    assert kinds[0] == ("followup", "overdue") and out["items"][0]["urgency"] == 280
    # the deal 61 days past its close (capped at 30 days: 70 + 90 + 20 value points)
    deal = next(i for i in out["items"] if i["kind"] == "deal")
    assert deal["reason"] == "close_date_passed" and deal["deal"]["name"] == "Website"
    assert deal["urgency"] == 70 + 90 + service.value_points(1_200_000, "EUR") == 180
    assert ("contact", "past_cadence") in kinds
    assert ("deal", "no_next_step") in kinds
    assert [i["rank"] for i in out["items"]] == list(range(1, len(kinds) + 1))
    urgencies = [i["urgency"] for i in out["items"]]
    assert urgencies == sorted(urgencies, reverse=True)
    assert out["counts"] == {"followup": 3, "date": 0, "deal": 2, "contact": 1}
    assert out["total"] == 6


def test_next_today_shows_actions_and_how_to_reach(day):
    out = day.json("next")
    items = {(i["kind"], i["id"]): i for i in out["items"]}
    overdue = items[("followup", 1)]
    assert overdue["reason"] == "overdue"
    assert overdue["urgency"] == 100 + 5 * 3
    assert overdue["action"] == "Follow up: Call about renewal"
    assert (overdue["date"], overdue["detail"]) == ("2026-11-19", "3 days overdue")
    assert overdue["reach"]["phone"] == "+1 555 0100"
    assert overdue["contact"]["name"] == "Jane Doe"
    today = items[("followup", 2)]
    assert (today["reason"], today["urgency"]) == ("due_today", 80 + 30)
    assert today["detail"] == "due today, high priority"
    birthday = items[("date", 1)]
    assert birthday["action"] == "Wish Jane Doe a happy birthday"
    assert "(46)" in birthday["detail"]
    assert ("followup", 3) not in items  # not due yet
    text = day("next").stdout
    assert "Call about renewal" in text and "jane@acme.io" in text
    assert text.splitlines()[0].split()[:3] == ["#", "urgency", "do"]


def test_next_limit_and_kind(day):
    out = day.json("next", "--limit", "2")
    assert len(out["items"]) == 2 and out["total"] > 2 and out["limit"] == 2
    text = day("next", "--limit", "1").stdout
    assert "--limit 0" in text.splitlines()[-1]
    assert len(day.json("next", "--limit", "0")["items"]) == day.json("next")["total"]
    only = day.json("next", "--kind", "deal", "--kind", "dates")
    assert {i["kind"] for i in only["items"]} <= {"deal", "date"}
    assert set(only["counts"]) == {"deal", "date"}


@pytest.mark.parametrize(
    "args, text",
    [
        (["--limit", "-1"], "--limit -1 is out of range"),
        (["--limit", "10001"], "out of range"),
        (["--kind", "task"], "no kind 'task'"),
        (["--on", "someday"], "not a date"),
    ],
)
def test_next_refuses_bad_input_in_one_line(run, args, text):
    result = run("next", *args, code=2)
    assert text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_next_with_nothing_to_do(run):
    assert run("next").stdout == ""  # in a pipe an empty list prints nothing
    assert json.loads(run("next", "--json").stdout)["items"] == []


def test_value_points_are_a_log_of_the_amount():
    assert service.value_points(None, None) == 0
    assert service.value_points(100, "EUR") == 0  # 1.00
    assert service.value_points(100_000, "EUR") == 15  # 1,000.00
    assert service.value_points(1000, "JPY") == 15  # no minor unit
    assert service.value_points(10**12, "EUR") == 30  # capped


def test_a_stale_contact_is_more_urgent_the_longer_it_is_over(run, contact_factory):
    contact_factory("Sam Lee", "--every", "10d")
    a = run.json("next", "--on", "2026-12-05")["items"][0]
    b = run.json("next", "--on", "2026-12-25")["items"][0]
    assert a["kind"] == "contact" and a["urgency"] == 40 + int(40 * 3 / 10)
    assert b["urgency"] == 40 + 80  # twice the cadence or more
    assert "every 10 days" in a["detail"]
