"""minicrm stats on prepared data: each figure equals a hand count (docs/stats.md)."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import FROZEN, Run
from minicrm.stats import service as domain


@pytest.fixture(scope="module")
def prepared_db(tmp_path_factory):
    """Built once for the module (about 50 commands), copied for each test."""
    path = tmp_path_factory.mktemp("stats") / "prepared.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MINICRM_DB", str(path))
        patch.setenv("MINICRM_CONFIG", str(path.parent / "config.toml"))
        patch.setattr("minicrm.core.clock.now", lambda: FROZEN)
        build(Run())
    return path


@pytest.fixture
def prepared(prepared_db, db_path, run):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(prepared_db), sqlite3.connect(db_path)
    source.backup(target)
    source.close()
    target.close()
    return run


def build(run: Run) -> None:
    """Today is Sun 2026-11-22; --period 30d is 2026-10-24 .. 2026-11-22."""
    for name, args in (
        ("Ann", ["--every", "10d"]),
        ("Ben", ["--every", "10d"]),
        ("Cy", ["--tag", "vip"]),
        ("Dee", []),
        ("Eve", ["--every", "7d", "--tag", "vip"]),
    ):
        run("add", name, *args)
    run("tag", "cadence", "vip", "30d")
    run("log", "ann", "call", "Chat", "--at", "2026-11-20")  # 2 days ago: inside 10
    run("log", "ben", "email", "Mail", "--at", "2026-11-01")  # 21 days: outside 10
    run("log", "cy", "meeting", "Lunch", "--at", "2026-11-01")  # 21 days: inside vip's 30
    run("log", "dee", "call", "Old", "--at", "2026-09-01")  # no cadence; before the period
    # Eve: never contacted, added today: 0 days, inside 7

    def follow(title: str, due: str, *, done_on: str | None = None, cancel: bool = False):
        fid = str(run.json("follow", "ann", title, "--due", due)["id"])
        if done_on:
            run("done", fid, "--on", done_on)
        if cancel:
            run("cancel", fid)

    follow("early", "2026-11-10", done_on="2026-11-09")  # on time
    follow("same day", "2026-11-10", done_on="2026-11-10")  # on time
    follow("late", "2026-11-05", done_on="2026-11-12")  # late
    follow("open", "2026-11-01")  # still overdue
    follow("cancelled", "2026-11-20", cancel=True)  # not counted
    follow("today", "2026-11-22")  # due today: not yet overdue
    follow("long ago", "2026-09-01", done_on="2026-09-20")  # outside the period
    follow("done later", "2026-11-15", done_on="2026-11-25")  # as of today: still overdue

    def deal(title: str, value: str, created: str, *moves: tuple[str, str]) -> None:
        did = str(run.json("deal", "add", "ben", title, "--value", value, "--on", created)["id"])
        for stage, day in moves:
            extra = ["--reason", "price"] if stage == "lost" else []
            run("deal", "move", did, stage, "--on", day, *extra)

    deal("won A", "100.00", "2026-10-01", ("proposal", "2026-10-20"), ("won", "2026-11-10"))
    deal("won B", "50.01", "2026-11-01", ("won", "2026-11-11"))
    deal("lost C", "70", "2026-10-01", ("lost", "2026-11-05"))
    deal("lost long ago", "5", "2026-08-01", ("lost", "2026-09-01"))
    deal("open D", "1000", "2026-11-02", ("proposal", "2026-11-03"))
    deal("reopened E", "10", "2026-10-02", ("won", "2026-10-30"), ("negotiation", "2026-11-15"))
    run("deal", "edit", "5", "--close", "2026-12-15")


def test_promises_kept_match_a_hand_count(prepared):
    data = prepared.json("stats", "--period", "30d")
    kept = data["followups"]
    assert (kept["on_time"], kept["late"], kept["overdue"]) == (2, 1, 2)
    assert kept["on_time_rate"] == round(2 / 5, 4)
    weeks = {t["start"]: (t["on_time"], t["late"], t["overdue"]) for t in kept["trend"]}
    assert weeks["2026-11-09"] == (2, 0, 1)  # Nov 10 twice on time; Nov 15 overdue
    assert weeks["2026-10-26"] == (0, 0, 1)  # Nov 1 open
    assert weeks["2026-11-02"] == (0, 1, 0)  # Nov 5 done late


def test_keep_in_touch_adherence_matches_a_hand_count(prepared):
    touch = prepared.json("stats", "--period", "30d")["keep_in_touch"]
    assert (touch["contacts"], touch["inside"]) == (4, 3)  # Ann, Ben, Cy, Eve; Ben is out
    assert touch["adherence"] == 0.75
    assert touch["median_days_since_contact"] == 11.5  # 0, 2, 21, 21
    assert touch["by_tag"] == [{"tag": "vip", "contacts": 2, "inside": 2, "adherence": 1.0}]


def test_win_rate_and_deal_figures_match_a_hand_count(prepared):
    pipe = prepared.json("stats", "--period", "30d")["pipeline"]
    assert (pipe["won"], pipe["lost"]) == (2, 1)  # E was won before the period, then reopened
    assert pipe["win_rate"] == round(2 / 3, 4)
    assert pipe["average_days_to_won"] == 25.0  # (40 + 10) / 2
    assert pipe["average_deal_size"] == [
        {"currency": "EUR", "count": 2, "total": "150.01", "average": "75.00"}  # 75.005 -> even
    ]
    assert pipe["lost_deals"] == [
        {
            "id": 3,
            "title": "lost C",
            "value": "70.00",
            "currency": "EUR",
            "reason": "price",
            "lost_on": "2026-11-05",
        }
    ]
    assert pipe["lost_reasons"] == [{"reason": "price", "count": 1}]
    stages = {s["stage"]: s["totals"] for s in pipe["open_by_stage"]}
    assert stages["proposal"] == [
        {"currency": "EUR", "count": 1, "total": "1000.00", "weighted": "500.00"}
    ]
    assert stages["negotiation"] == [
        {"currency": "EUR", "count": 1, "total": "10.00", "weighted": "7.50"}
    ]
    assert pipe["forecast"] == [
        {"close_month": "2026-12", "currency": "EUR", "count": 1, "total": "1000.00", "weighted": "500.00"},
        {"close_month": None, "currency": "EUR", "count": 1, "total": "10.00", "weighted": "7.50"},
    ]  # fmt: skip


def test_activity_counts_interactions_per_week_and_new_contacts(prepared):
    act = prepared.json("stats", "--period", "30d")["activity"]
    assert act["interactions"] == {"note": 0, "call": 1, "email": 1, "meeting": 1, "message": 0}
    assert act["interactions_total"] == 3  # Dee's call of Sep 1 is before the period
    assert act["new_contacts"] == 5
    first, last = act["weeks"][0], act["weeks"][-1]
    assert (first["start"], first["end"]) == ("2026-10-24", "2026-10-25")
    assert (last["start"], last["end"]) == ("2026-11-16", "2026-11-22")
    assert last["interactions"]["call"] == 1 and last["new_contacts"] == 5


def test_as_of_an_earlier_day_leaves_out_what_came_after(prepared):
    data = prepared.json("stats", "--period", "30d", "--on", "2026-11-10")
    pipe = data["pipeline"]
    # as of Nov 10: A won that day, E won Oct 30 (reopened only on Nov 15), C lost Nov 5;
    # B was won on Nov 11, so it is still open
    assert (pipe["won"], pipe["lost"]) == (2, 1)
    stages = {s["stage"]: s["totals"] for s in pipe["open_by_stage"]}
    assert stages["lead"][0]["total"] == "50.01" and stages["proposal"][0]["total"] == "1000.00"
    assert data["period"] == {"name": "30d", "start": "2026-10-12", "end": "2026-11-10", "days": 30}
    kept = data["followups"]
    # due Nov 1 open (overdue), Nov 5 not done until Nov 12 (overdue), the two Nov 10 ones:
    # one done Nov 9 (on time), one done Nov 10 (on time); follow-ups are created "today"
    # (Nov 22) in this data, so as of Nov 10 none existed yet
    assert (kept["on_time"], kept["late"], kept["overdue"]) == (0, 0, 0)
    assert data["activity"]["new_contacts"] == 0  # all added on Nov 22


def test_text_output_and_periods(prepared):
    out = prepared("stats", "--period", "30d").stdout
    assert (
        "Promises: none came due this week; "
        "kept 3 of 5 in the last 30 days (1 of them late), 2 still overdue\n"
        "  on time: 40.0% (2 on time, 1 late, 2 still overdue)"
    ) in out
    assert "Keep in touch: 75.0% inside their cadence (3 of 4)" in out
    assert "win rate 66.7% (2 won, 1 lost)" in out
    assert "\x1b" not in out
    year = prepared.json("stats", "--period", "year")
    assert year["period"]["start"] == "2026-01-01"
    assert len(year["followups"]["trend"]) == 11  # monthly: Jan .. Nov
    assert prepared.json("stats", "--period", "quarter")["period"]["start"] == "2026-10-01"
    result = prepared("stats", "--period", "fortnight", code=2)
    assert "30d, 12w, 6m, quarter or year" in result.stderr


def test_periods():
    from datetime import date

    today = date(2026, 11, 22)
    assert domain.period("12w", today).start == date(2026, 8, 31)
    assert domain.period("1m", today).start == date(2026, 10, 23)
    assert domain.period("1d", today).days == 1


# -- what stats reads (issue 14.4: under a second at 100k contacts) ----------------------


def test_as_of_a_day_before_a_contacts_latest_interaction(run, monkeypatch):
    """Keep-in-touch as of an earlier day counts from the last interaction before it, not
    from the contact's latest one (which ``last_contacted_at`` holds)."""
    from datetime import UTC, datetime

    from conftest import FROZEN

    monkeypatch.setattr("minicrm.core.clock.now", lambda: datetime(2026, 11, 1, 9, tzinfo=UTC))
    run("add", "Fay", "--every", "10d")
    monkeypatch.setattr("minicrm.core.clock.now", lambda: FROZEN)
    run("log", "fay", "call", "First", "--at", "2026-11-05")
    run("log", "fay", "call", "Later", "--at", "2026-11-20")
    as_of_18 = run.json("stats", "--period", "30d", "--on", "2026-11-18")["keep_in_touch"]
    assert (as_of_18["contacts"], as_of_18["inside"]) == (1, 0)
    assert as_of_18["median_days_since_contact"] == 13  # from Nov 5, not Nov 20
    as_of_22 = run.json("stats", "--period", "30d", "--on", "2026-11-22")["keep_in_touch"]
    assert (as_of_22["inside"], as_of_22["median_days_since_contact"]) == (1, 2)


def _steps(store, work) -> int:
    """SQLite virtual-machine instructions that ``work`` runs: a measure of how
    much it reads that does not depend on the machine's speed or load."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    store.conn.set_progress_handler(tick, 1)
    try:
        work()
    finally:
        store.conn.set_progress_handler(None, 0)
    return count[0]


def test_stats_does_not_read_every_interaction_link(store):
    """Interactions of contacts without a cadence, long before the period, are not read:
    the keep-in-touch figure used to group all 375k links of the 100k database (0.6 s)."""
    from minicrm import ContactChanges, add_contact

    stamp = "2025-01-05T10:00:00Z"
    with store.transaction():
        add_contact(store, "Ann", ContactChanges(fields={"cadence": "10d"}))
        others = store.insert_many(
            "contacts",
            [
                {"uid": f"u{i}", "display_name": f"P{i}", "name_key": f"p{i}"}
                | {"created_at": stamp, "updated_at": stamp}
                for i in range(300)
            ],
        )

    def figures():
        return domain.compute(store, period_="12w")

    before = _steps(store, figures)
    with store.transaction():
        talks = store.insert_many(
            "interactions",
            [
                {"uid": f"i{i}", "kind": "call", "body": "x", "occurred_at": stamp}
                | {"created_at": stamp, "updated_at": stamp}
                for i in range(3000)
            ],
        )
        store.insert_many(
            "interaction_contacts",
            [{"interaction_id": t, "contact_id": others[i % 300]} for i, t in enumerate(talks)],
        )
    after = _steps(store, figures)
    assert after < before * 1.1, (before, after)


def test_stats_reads_the_time_zone_once(store, monkeypatch):
    """$TZ is read once for the whole computation, not once per stamp (213k reads at 100k
    contacts were a quarter of stats' time)."""
    import os

    from minicrm.core import dates

    with store.transaction():
        for name in ("Ann", "Ben"):
            minicrm_add(store, name)
    reads = []

    class Environ(dict):
        def get(self, key, default=None):
            if key == "TZ":
                reads.append(key)
            return super().get(key, default)

    monkeypatch.setattr(dates.os, "environ", Environ(os.environ))
    domain.compute(store, period_="12w")
    assert 1 <= len(reads) <= 3, len(reads)


def minicrm_add(store, name: str) -> None:
    from minicrm import ContactChanges, add_contact

    add_contact(store, name, ContactChanges(fields={"cadence": "10d"}))
