"""Deals through the CLI and the library: money exact, stages from the config, every stage
change recorded, the pipeline board's totals, links from follow-ups and interactions."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minicrm
from minicrm.core import money
from minicrm.core.errors import InvalidInput
from minicrm.deals import pipeline
from minicrm.deals import service as deals
from minicrm.interchange import exports


@pytest.fixture
def people(run):
    run("add", "Jane Doe", "--company", "Acme", "--email", "jane@acme.io")
    run("add", "Bob Stone")
    return run


def deal(run, *args: str) -> dict:
    return run.json("deal", "add", *args)


def test_add_show_and_list_deals(people):
    run = people
    d = deal(
        run, "jane", "Website redesign", "--value", "12,000.50", "--currency", "eur",
        "--stage", "proposal", "--close", "dec 15", "--probability", "40",
    )  # fmt: skip
    assert d["value"] == "12000.50" and d["currency"] == "EUR"
    assert d["contact"]["name"] == "Jane Doe" and d["company"]["name"] == "Acme"
    assert d["stage"] == "proposal" and d["status"] == "open"
    assert d["probability"] == 40 and d["probability_from"] == "deal"
    assert d["weighted_value"] == "4800.20"
    assert d["close_date"] == "2026-12-15"
    other = deal(run, "bob", "Hosting", "--value", "300")
    assert other["currency"] == "EUR" and other["stage"] == "lead" and other["probability"] == 10
    assert [x["id"] for x in run.json("deal", "ls")] == [other["id"], d["id"]]  # pipeline order
    assert [x["id"] for x in run.json("deal", "ls", "jane")] == [d["id"]]
    assert [x["id"] for x in run.json("deal", "ls", "--company", "acme")] == [d["id"]]
    assert [x["id"] for x in run.json("deal", "ls", "--closing-before", "2026-12-31")] == [d["id"]]
    out = run("deal", "ls").stdout
    assert "12,000.50 EUR" in out and "Website redesign" in out
    csv_out = run("deal", "ls", "--format", "csv").stdout
    assert csv_out.splitlines()[0].startswith("id,uid,title,contact_id")
    assert "12000.50,EUR" in csv_out


def test_money_is_stored_as_integer_minor_units(people, db_path):
    run = people
    deal(run, "bob", "A", "--value", "0.1")
    deal(run, "bob", "B", "--value", "0.2")
    deal(run, "bob", "C", "--value", "1500", "--currency", "JPY")
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT amount_minor, typeof(amount_minor), currency FROM deals").fetchall()
    assert rows == [(10, "integer", "EUR"), (20, "integer", "EUR"), (1500, "integer", "JPY")]
    board = run.json("pipeline")
    assert board["totals"] == [
        {"currency": "EUR", "count": 2, "total": "0.30", "weighted": "0.03"},
        {"currency": "JPY", "count": 1, "total": "1500", "weighted": "150"},
    ]


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    minor=st.integers(0, 10**12 - 1),
    code=st.sampled_from(["EUR", "JPY", "KWD", "USD"]),
)
def test_money_round_trips_through_the_library_and_json(store, minor, code):
    text = money.format_minor(minor, code)
    d = deals.add_deal(store, None, "T", value=text, currency=code, company="Acme X")
    assert d.amount_minor == minor
    shown = json.loads(json.dumps(d.to_dict()))
    assert money.parse(shown["value"], shown["currency"]) == minor
    again = deals.add_deal(store, None, "T", value=shown["value"], currency=code, company="Acme X")
    assert again.amount_minor == minor


def test_bad_values_exit_2_and_write_nothing(people, db_path):
    run = people
    for args, needle in (
        (("--value", "-5"), "negative"),
        (("--value", "1.234"), "2 decimals"),
        (("--value", "12,5"), "ambiguous"),
        (("--value", "abc"), "not an amount"),
        (("--currency", "EURO"), "currency"),
        (("--probability", "140"), "probability"),
        (("--close", "2026-02-30"), ""),
    ):
        result = run("deal", "add", "bob", "X", *args, code=2)
        assert needle in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM deals").fetchone()[0] == 0


def test_an_unknown_stage_exits_2_and_lists_the_valid_ones(people):
    run = people
    d = deal(run, "bob", "X")
    for args in (
        ("deal", "add", "bob", "Y", "--stage", "maybe"),
        ("deal", "move", str(d["id"]), "maybe"),
        ("deal", "ls", "--stage", "maybe"),
    ):
        result = run(*args, code=2)
        assert "unknown deal stage 'maybe'" in result.stderr
        assert "lead, qualified, proposal, negotiation, won, lost" in result.stderr


def test_stages_come_from_the_config_file(people, tmp_path):
    run = people
    (tmp_path / "config.toml").write_text(
        "[deals]\ncurrency = 'usd'\nstages = [\n"
        "  {name = 'intro', probability = 5},\n  {name = 'demo', probability = 30},\n"
        "  {name = 'won', probability = 100},\n  {name = 'lost', probability = 0},\n]\n"
    )
    d = deal(run, "bob", "X", "--value", "10")
    assert (d["stage"], d["probability"], d["currency"]) == ("intro", 5, "USD")
    result = run("deal", "move", str(d["id"]), "proposal", code=2)
    assert "one of: intro, demo, won, lost" in result.stderr
    board = run.json("pipeline")
    assert [s["stage"] for s in board["stages"]] == ["intro", "demo"]


@pytest.mark.parametrize(
    "body",
    [
        "[deals]\nstages = ['lead', 'won', 'lost']\n",
        "[deals]\nstages = [{name = 'lead', probability = 10}]\n",
        "[deals]\nstages = [{name = 'lead', probability = 101}, {name = 'won', probability = 100}, {name = 'lost', probability = 0}]\n",
        "[deals]\ncurrency = 'euro'\n",
    ],
)
def test_a_bad_deals_config_is_one_clear_line(people, tmp_path, body):
    (tmp_path / "config.toml").write_text(body)
    result = people("deal", "add", "bob", "X", code=2)
    assert "config file" in result.stderr and "deals." in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_every_stage_change_is_recorded_with_its_date(people):
    run = people
    d = deal(run, "bob", "X", "--value", "100", "--on", "2026-10-01")
    did = str(d["id"])
    run("deal", "move", did, "proposal", "--on", "2026-10-15")
    won = run.json("deal", "won", did, "--on", "2026-11-01")
    assert won["status"] == "won" and won["closed_at"].startswith("2026-11-01")
    assert won["probability"] == 100
    reopened = run.json("deal", "move", did, "negotiation")
    assert reopened["status"] == "open" and reopened["closed_at"] is None
    lost = run.json("deal", "lost", did, "--reason", "budget cut")
    assert lost["lost_reason"] == "budget cut" and lost["probability"] == 0
    page = run.json("deal", "show", did)
    assert [(c["from"], c["to"], c["at"][:10]) for c in page["stage_changes"]] == [
        (None, "lead", "2026-10-01"),
        ("lead", "proposal", "2026-10-15"),
        ("proposal", "won", "2026-11-01"),
        ("won", "negotiation", "2026-11-22"),
        ("negotiation", "lost", "2026-11-22"),
    ]
    assert "Stage changes" in run("deal", "show", did).stdout
    assert run("deal", "lost", did).stdout.strip() == f"Deal #{did} is already lost"
    assert "for lost deals" in run("deal", "move", did, "won", "--reason", "x", code=2).stderr


def test_edit_a_deal(people):
    run = people
    did = str(deal(run, "bob", "X", "--value", "12.50", "--probability", "40")["id"])
    d = run.json("deal", "edit", did, "--currency", "usd", "--title", "Y", "--close", "+10d")
    assert (d["value"], d["currency"], d["title"], d["close_date"]) == (
        "12.50",
        "USD",
        "Y",
        "2026-12-02",
    )
    assert "no decimals" in run("deal", "edit", did, "--currency", "JPY", code=2).stderr
    d = run.json("deal", "edit", did, "--probability", "default", "--close", "")
    assert d["probability"] == 10 and d["close_date"] is None
    d = run.json("deal", "edit", did, "--contact", "jane", "--company", "acme")
    assert d["contact"]["name"] == "Jane Doe" and d["company"]["name"] == "Acme"
    assert run("deal", "edit", did, code=2).stderr.startswith("minicrm: nothing to change")
    assert "not lost" in run("deal", "edit", did, "--reason", "x", code=2).stderr


def test_follow_ups_and_interactions_refer_to_a_deal(people):
    run = people
    did = str(deal(run, "jane", "Website", "--value", "10")["id"])
    f = run.json("follow", "--deal", did, "Send proposal", "--due", "+3d", "--every", "1w")
    assert f["deal_id"] == int(did) and f["contact"]["name"] == "Jane Doe"
    other = run.json("follow", "bob", "Ask Bob", "--deal", did)
    assert other["contact"]["name"] == "Bob Stone" and other["deal_id"] == int(did)
    i = run.json("log", "--deal", did, "call", "Talked budget")
    assert i["deal_id"] == int(did) and [c["name"] for c in i["contacts"]] == ["Jane Doe"]
    i2 = run.json("log", "--deal", did, "Just a note")
    assert i2["kind"] == "note" and i2["deal_id"] == int(did)
    i3 = run.json("log", "bob", "email", "Sent", "--deal", did)
    assert [c["name"] for c in i3["contacts"]] == ["Bob Stone"]
    done = run.json("done", str(f["id"]))
    assert done["next"]["deal_id"] == int(did)  # the next occurrence keeps the deal
    page = run.json("deal", "show", did)
    assert {x["id"] for x in page["followups"]} == {f["id"], other["id"], done["next"]["id"]}
    assert [x["id"] for x in page["interactions"]][:1] == [i3["id"]]
    assert run("follow", "--deal", "99", "X", code=3).stderr.startswith("minicrm: no deal #99")
    assert run("follow", "Only a title", code=2).stderr


def test_contact_page_lists_deals_open_first(people):
    run = people
    a = deal(run, "jane", "Old", "--value", "1")
    run("deal", "won", str(a["id"]))
    b = deal(run, "jane", "New", "--value", "2", "--stage", "proposal")
    page = run.json("show", "jane")
    assert [d["id"] for d in page["deals"]] == [b["id"], a["id"]]
    assert "Deals" in run("show", "jane").stdout


def test_removing_a_deal_contact_or_company_keeps_the_rest(people, db_path):
    run = people
    did = str(deal(run, "jane", "X", "--value", "5")["id"])
    run("follow", "--deal", did, "Call")
    run("company", "rm", "acme", "--yes")
    assert run.json("deal", "show", did)["company"] is None
    run("rm", "bob", "--yes")
    keep = deal(run, "jane", "Y")
    run("rm", "jane", "--yes")
    assert run.json("deal", "show", str(keep["id"]))["contact"] is None
    run("add", "Kim")
    kid = str(deal(run, "kim", "K")["id"])
    f = run.json("follow", "--deal", kid, "Call Kim")
    assert "refusing" in run("deal", "rm", kid, code=1).stderr
    assert run("deal", "rm", kid, "--yes").stdout.startswith(f"Deleted deal #{kid}")
    assert run.json("followup", "show", str(f["id"]))["deal_id"] is None
    assert run("deal", "show", kid, code=3)
    conn = sqlite3.connect(db_path)
    assert conn.execute(
        "SELECT count(*) FROM deal_stage_changes WHERE deal_id = ?", [int(kid)]
    ).fetchone() == (0,)


def test_a_deal_with_a_company_only(run):
    run("company", "add", "Initech")
    d = run.json("deal", "add", "--company", "initech", "Licences", "--value", "99")
    assert d["contact"] is None and d["company"]["name"] == "Initech"
    assert "contact and the title" in run("deal", "add", "Licences", code=2).stderr


def test_pipeline_totals_equal_the_sum_of_the_deals_per_stage_and_currency(people):
    run = people
    specs = [
        ("jane", "A", "12000.50", "EUR", "proposal", "40"),
        ("jane", "B", "0.10", "EUR", "proposal", None),
        ("bob", "C", "999.99", "USD", "proposal", None),
        ("bob", "D", "1500", "JPY", "lead", "33"),
        ("bob", "E", "0.07", "EUR", "lead", None),
        ("bob", "F", "250", "USD", "negotiation", None),
        ("bob", "G", "1", "KWD", "negotiation", "15"),
        ("jane", "H", "5000", "EUR", "won", None),
    ]
    for ref, title, value, code, stage, prob in specs:
        args = [ref, title, "--value", value, "--currency", code, "--stage", stage]
        deal(run, *args, *(["--probability", prob] if prob else []))
    run("follow", "--deal", "1", "Next")
    board = run.json("pipeline")
    assert [s["stage"] for s in board["stages"]] == ["lead", "qualified", "proposal", "negotiation"]
    grand: dict[str, list[Decimal]] = {}
    for column in board["stages"]:
        expected: dict[str, list[Decimal]] = {}
        for d in column["deals"]:
            assert d["stage"] == column["stage"] and d["status"] == "open"
            entry = expected.setdefault(d["currency"], [Decimal(0), Decimal(0), Decimal(0)])
            entry[0] += 1
            entry[1] += Decimal(d["value"])
            entry[2] += Decimal(d["weighted_value"])
            g = grand.setdefault(d["currency"], [Decimal(0), Decimal(0), Decimal(0)])
            g[0] += 1
            g[1] += Decimal(d["value"])
            g[2] += Decimal(d["weighted_value"])
        assert column["count"] == len(column["deals"])
        assert {
            t["currency"]: [t["count"], Decimal(t["total"]), Decimal(t["weighted"])]
            for t in column["totals"]
        } == expected
        assert len({t["currency"] for t in column["totals"]}) == len(column["totals"])
    assert {
        t["currency"]: [t["count"], Decimal(t["total"]), Decimal(t["weighted"])]
        for t in board["totals"]
    } == grand
    proposal = board["stages"][2]["totals"]
    assert proposal == [
        {"currency": "EUR", "count": 2, "total": "12000.60", "weighted": "4800.25"},
        {"currency": "USD", "count": 1, "total": "999.99", "weighted": "500.00"},
    ]  # 0.10 x 50% = 0.05; 999.99 x 50% = 499.995 -> 500.00 (half-even)
    flagged = {d["title"]: d["flags"] for c in board["stages"] for d in c["deals"]}
    assert flagged["A"] == [] and flagged["B"] == ["no_next_step"]
    assert board["flagged"] == {"no_next_step": 6, "overdue_close": 0}


def test_pipeline_flags_an_overdue_close_date_and_prints_plain_text(people):
    run = people
    deal(run, "bob", "Late one", "--value", "10", "--close", "2026-11-01")
    deal(run, "bob", "Dollar", "--value", "10", "--currency", "USD")
    board = run.json("pipeline")
    late = board["stages"][0]["deals"][0]
    assert late["flags"] == ["no_next_step", "overdue_close"] and late["days_to_close"] == -21
    out = run("pipeline").stdout
    assert "lead (10%): 2 deals" in out and "close date passed" in out
    assert "10.00 EUR" in out and "10.00 USD" in out and "20.00" not in out  # never mixed
    assert "\x1b" not in out
    assert run.json("pipeline", "--on", "2026-10-01")["flagged"]["overdue_close"] == 0


def test_the_library_api(store):
    d = minicrm.deals.service.add_deal(
        store, None, "Lib", value="1,000", company="Acme", stage_="qualified"
    )
    moved, changed = deals.move_deal(store, d.id, "won")
    assert changed and moved.status == "won"
    b = pipeline.board(store)
    assert b.totals == ()
    with pytest.raises(InvalidInput):
        deals.stage("nope")


def test_the_dump_round_trips_deals(people, tmp_path):
    run = people
    did = str(deal(run, "jane", "X", "--value", "12.34", "--close", "dec 1")["id"])
    run("follow", "--deal", did, "Call")
    run("log", "--deal", did, "Talked")
    run("deal", "lost", did, "--reason", "price")
    deal(run, "bob", "Y", "--value", "1", "--currency", "JPY")
    first = run("export").stdout
    data = json.loads(first)
    assert len(data["tables"]["deals"]) == 2 and len(data["tables"]["deal_stage_changes"]) == 3
    other = tmp_path / "other.db"
    run("--db", str(other), "import", "-", input=first)
    assert run("--db", str(other), "export").stdout == first
    target = minicrm.open_store(tmp_path / "third.db")
    exports.restore(target, json.loads(first))
    assert exports.to_json_text(exports.dump(target)) == first


def test_the_digest_has_a_deals_section_in_every_format(people):
    run = people
    deal(run, "bob", "Past close", "--value", "10", "--close", "2026-11-20")
    soon = deal(run, "jane", "Closing soon", "--value", "20", "--close", "2026-11-25")
    run("follow", "--deal", str(soon["id"]), "Send contract", "--due", "2026-11-24")
    deal(run, "bob", "Idle", "--value", "30")
    deal(run, "bob", "Far and busy", "--value", "40", "--close", "2027-03-01")
    run("follow", "--deal", "4", "Check in", "--due", "2026-12-20")
    data = json.loads(run("digest", "--format", "json").stdout)
    assert [d["title"] for d in data["deals"]["overdue_close"]] == ["Past close"]
    assert [d["title"] for d in data["deals"]["closing"]] == ["Closing soon"]
    assert data["deals"]["closing"][0]["next_step"]["title"] == "Send contract"
    assert [d["title"] for d in data["deals"]["no_next_step"]] == ["Idle"]
    assert "3 deals" in data["summary"] and data["empty"] is False
    text = run("digest").stdout
    assert "DEALS PAST THEIR CLOSE DATE" in text and "DEALS WITHOUT A NEXT STEP" in text
    assert "Deal #2 Closing soon - Jane Doe / Acme" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "## Deals closing (next 7 days)" in run("digest", "--format", "markdown").stdout
    assert "Deals without a next step" in run("digest", "--format", "html").stdout
    narrow = json.loads(run("digest", "--format", "json", "--deal-days", "1").stdout)
    assert narrow["deals"]["closing"] == [] and len(narrow["deals"]["no_next_step"]) == 1


def test_no_deal_needing_a_step_keeps_the_digest_empty(people):
    run = people
    did = str(deal(run, "bob", "Busy", "--value", "1", "--close", "2027-01-01")["id"])
    run("follow", "--deal", did, "Later", "--due", "2027-01-01")
    run("deal", "won", str(deal(run, "bob", "Done deal")["id"]))
    assert run("digest", "--quiet-if-empty").stdout == ""
    assert json.loads(run("digest", "--format", "json").stdout)["deals"]["no_next_step"] == []
