"""The company page (issue 19.3): people, their open follow-ups, deals and totals, the
timeline across its people, the last contact, and the domain inferred from emails."""

from __future__ import annotations

import pytest


@pytest.fixture
def acme(run, contact_factory):
    run("company", "add", "Acme")
    contact_factory("Jane Doe", "-e", "jane@acme.io", "-c", "Acme", "--title", "CTO")
    contact_factory("Bob Ops", "-e", "bob@ACME.io", "-e", "bob@gmail.com", "-c", "Acme")
    contact_factory("Al Gmail", "-e", "al@gmail.com", "-c", "Acme")
    contact_factory("Old Hand", "-e", "old@acme.io", "-c", "Acme")
    run("archive", "old")
    contact_factory("Raj Patel", "-e", "raj@initech.example")
    run("log", "jane", "call", "Pricing", "--at", "2026-11-18 10:00", "-w", "raj")
    run("log", "bob", "email", "Sent the deck", "--at", "2026-11-20 09:00")
    run("log", "raj", "note", "Not about Acme", "--at", "2026-11-21 09:00")
    run("follow", "jane", "Send the contract", "--due", "2026-11-25")
    run("follow", "raj", "Not Acme's", "--due", "2026-11-24")
    run("deal", "add", "jane", "Website", "--value", "12000", "--stage", "proposal")
    run("deal", "add", "--company", "Acme", "Hosting", "--value", "500")
    run("deal", "add", "bob", "Support", "--value", "300", "--currency", "USD")
    run("deal", "won", "3")
    run("deal", "add", "raj", "Initech deal", "--value", "1")
    run("follow", "--deal", "2", "Call about hosting", "--due", "2026-11-23")
    return run


def test_the_company_page_gathers_its_people_followups_deals_and_timeline(acme):
    page = acme.json("company", "show", "acme")
    assert page["domain"] is None and page["inferred_domain"] == "acme.io"
    assert [p["name"] for p in page["people"]] == ["Al Gmail", "Bob Ops", "Jane Doe", "Old Hand"]
    jane = page["people"][2]
    assert (jane["title"], jane["email"], jane["open_followups"]) == ("CTO", "jane@acme.io", 1)
    assert page["people"][3]["archived"] is True
    assert [f["title"] for f in page["open_followups"]] == [
        "Call about hosting",
        "Send the contract",
    ]
    assert [d["title"] for d in page["deals"]] == ["Hosting", "Website", "Support"]
    assert page["deal_totals"]["open"] == [
        {"currency": "EUR", "count": 2, "total": "12500.00", "weighted": "6050.00"}
    ]
    assert page["deal_totals"]["won"][0]["currency"] == "USD"
    assert [e["text"] for e in page["timeline"]] == ["Sent the deck", "Pricing"]
    assert page["last_contacted_at"] == "2026-11-20T09:00:00Z"
    assert [c["name"] for c in page["contacts"]] == [p["name"] for p in page["people"]]
    text = acme("company", "show", "acme").stdout
    assert "acme.io (from its people's emails)" in text
    for heading in ("People", "Open follow-ups", "Deals", "Timeline"):
        assert f"\n{heading}\n" in text
    assert "Not about Acme" not in text and "Not Acme's" not in text
    assert "Open deals:      2: 12,500.00 EUR" in text


def test_a_stored_domain_wins_and_the_timeline_can_be_longer_or_off(acme):
    acme("company", "edit", "acme", "--domain", "acme.example")
    page = acme.json("company", "show", "acme", "--timeline", "1")
    assert (page["domain"], page["inferred_domain"]) == ("acme.example", "acme.io")
    assert "acme.example\n" in acme("company", "show", "acme").stdout
    assert len(page["timeline"]) == 1
    assert acme.json("company", "show", "acme", "--timeline", "0")["timeline"] == []
    assert "latest 1; --timeline N" in acme("company", "show", "acme", "--timeline", "1").stdout
    assert "out of range" in acme("company", "show", "acme", "--timeline", "-1", code=2).stderr


def test_a_domain_finds_the_company_in_show_and_ls(acme):
    assert acme.json("company", "show", "acme.io")["name"] == "Acme"
    assert acme.json("company", "show", "@acme.io")["name"] == "Acme"
    names = [c["name"] for c in acme.json("ls", "company:acme.io")]
    assert names == ["Al Gmail", "Bob Ops", "Jane Doe"]
    # a mail service's domain names no company
    assert "no company matches" in acme("ls", "company:gmail.com", code=3).stderr
    acme("company", "add", "Initech", "--domain", "initech.example")
    assert acme.json("company", "show", "initech.example")["name"] == "Initech"


def test_a_company_without_people(run):
    run("company", "add", "Empty Co")
    page = run.json("company", "show", "empty")
    assert page["people"] == [] and page["inferred_domain"] is None
    assert page["last_contacted_at"] is None and page["deal_totals"] == {"open": [], "won": []}
    assert "No people yet" in run("company", "show", "empty").stdout
