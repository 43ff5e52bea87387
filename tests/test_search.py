"""Full-text search and the ls field terms: ranking, accents, field terms, syntax errors,
and the index following every kind of write."""

from __future__ import annotations

import json
import sqlite3

import pytest

import minicrm
from minicrm.search import service as search


@pytest.fixture
def people(run):
    run(
        "add",
        "Zoë Ünal",
        "--email",
        "zoe@acme.io",
        "--company",
        "Acme",
        "--tag",
        "vip",
        "--stage",
        "lead",
    )
    run("add", "Chen Li", "--email", "chen@initech.com", "--tag", "lead-2026")
    run("add", "Raj Patel", "--tag", "vip")
    run("log", "zoe", "call", "Talked pricing for next quarter")
    run("log", "raj", "Pricing is too high, says Raj")
    run("follow", "chen", "Send pricing sheet")
    return run


def names(results):
    return [r["contact"]["name"] if r["contact"] else None for r in results]


def test_accents_and_case_do_not_matter(people):
    assert names(people.json("search", "zoe")) == ["Zoë Ünal"]
    assert names(people.json("search", "UNAL")) == ["Zoë Ünal"]


def test_one_rare_word_among_many_notes_comes_first(people, store):
    for i in range(300):
        minicrm.activity.interactions.log(store, ["chen"], f"routine check-in number {i}")
    minicrm.activity.interactions.log(store, ["raj"], "He mentioned the xylophone deal")
    results = people.json("search", "xylophone")
    assert names(results) == ["Raj Patel"]
    hit = results[0]["hits"][0]
    assert hit["kind"] == "interaction"
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end] == "xylophone"


def test_prefix_phrase_boolean_and_field_terms(people):
    assert set(names(people.json("search", "pric*"))) == {"Zoë Ünal", "Raj Patel", "Chen Li"}
    assert names(people.json("search", '"next quarter"')) == ["Zoë Ünal"]
    assert set(names(people.json("search", "tag:vip AND pricing"))) == {"Zoë Ünal", "Raj Patel"}
    assert names(people.json("search", "pricing", "NOT", "quarter", "company:acme")) == []
    assert names(people.json("search", "company:acme")) == ["Zoë Ünal"]
    assert names(people.json("search", "email:@initech.com")) == ["Chen Li"]
    assert names(people.json("search", "stage:lead", "pricing")) == ["Zoë Ünal"]
    assert set(names(people.json("search", "zoe OR chen"))) == {"Zoë Ünal", "Chen Li"}


@pytest.mark.parametrize(
    "query",
    [
        "AND pricing",
        "pricing OR",
        "(pricing",
        "pricing)",
        '""',
        "colour:red",
        "tag:",
        "*",
        "OR tag:vip",
    ],
)
def test_malformed_queries_exit_2_with_a_readable_message(people, query):
    result = people("search", query, code=2)
    assert result.stderr.startswith("minicrm: ") and "\n" not in result.stderr.strip()
    assert "fts5" not in result.stderr and "sqlite" not in result.stderr.lower()


def test_text_output_marks_the_match(people):
    out = people("search", "xylo*", code=0).stdout
    assert out == ""  # nothing matches: nothing printed in a pipe
    out = people("search", "quarter").stdout
    assert "#1 Zoë Ünal" in out and "[quarter]" in out


def test_the_index_follows_edits_deletes_imports_and_restores(people, tmp_path, db_path):
    people("edit", "chen", "--name", "Chen Wei")
    assert names(people.json("search", "wei")) == ["Chen Wei"]
    assert people.json("search", "li") == [] or "Chen Wei" not in names(people.json("search", "li"))
    people("company", "edit", "acme", "--name", "Umbrella")
    assert names(people.json("search", "umbrella")) == ["Zoë Ünal"]
    people("rm", "raj", "--yes")
    assert "Raj Patel" not in names(people.json("search", "pricing"))
    source = tmp_path / "in.json"
    source.write_text(json.dumps([{"name": "Ingrid Import", "notes": "found via walrus"}]))
    people("import", str(source))
    assert names(people.json("search", "walrus")) == ["Ingrid Import"]
    dump = people("export").stdout
    other = tmp_path / "other.db"
    people("--db", str(other), "import", "-", input=dump)
    assert names(people.json("--db", str(other), "search", "walrus")) == ["Ingrid Import"]
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


def test_parser_builds_fts_and_filters():
    query = search.parse('tag:vip pric* "next quarter" OR x')
    assert query.filters == [("tag", "vip")]
    assert query.fts == '"pric"* "next quarter" OR "x"'


def test_ls_terms_compose(people, run):
    assert [c["name"] for c in run.json("ls", "tag:vip", "company:acme")] == ["Zoë Ünal"]
    assert [c["name"] for c in run.json("ls", "email:@initech.com")] == ["Chen Li"]
    run("edit", "raj", "--every", "7d")
    assert [c["name"] for c in run.json("ls", "stale:yes")] == []
    assert [c["name"] for c in run.json("ls", "stale:yes", "--on", "+30d")] == ["Raj Patel"]
    assert [c["name"] for c in run.json("ls", "tag:vip", "stale:no")] == ["Raj Patel", "Zoë Ünal"]
    run("archive", "raj")
    assert [c["name"] for c in run.json("ls", "tag:vip", "archived:all")] == [
        "Raj Patel",
        "Zoë Ünal",
    ]
    run("ls", "stale:maybe", code=2)
    ordered = [c["name"] for c in run.json("ls", "--sort", "last-contacted", "archived:all")]
    assert ordered[0] == "Chen Li"  # never contacted: first


def test_a_name_hit_shows_the_name_once(run):
    run("add", "Zoë Williams", "--set", "given_name=Zoë", "--set", "family_name=Williams")
    run("add", "Bill Gates", "--set", "given_name=William", "--set", "family_name=Gates")
    [zoe] = run.json("search", "zoe")
    assert [h["snippet"] for h in zoe["hits"]] == ["Zoë Williams"]
    [bill] = run.json("search", "william")  # a given name other than the display name stays
    assert [h["snippet"] for h in bill["hits"]] == ["Bill Gates William Gates"]


# -- deals in search (issue 19.8) ---------------------------------------------------------


def test_search_finds_a_deal_by_its_title_and_its_lost_reason(run):
    run("add", "Miles Dyson", "-c", "Cyberdyne")
    run("add", "Sarah Connor")
    run("deal", "add", "miles", "Cyberdyne platform", "--value", "100")
    run("deal", "add", "sarah", "Bunker", "--value", "5")
    run("deal", "lost", "2", "--reason", "budget freeze")
    run("deal", "add", "--company", "Cyberdyne", "Skynet licence", "--value", "9")
    found = run.json("search", "platform")
    assert [r["contact"]["name"] for r in found] == ["Miles Dyson"]
    assert found[0]["hits"][0]["kind"] == "deal" and found[0]["hits"][0]["id"] == 1
    assert "platform" in found[0]["hits"][0]["snippet"]
    assert run.json("search", "freeze")[0]["hits"][0]["id"] == 2
    company_deal = run.json("search", "skynet")
    assert company_deal[0]["contact"] is None and company_deal[0]["hits"][0]["kind"] == "deal"
    assert "deal #1: Cyberdyne [platform] lead" in run("search", "platform").stdout
    # an edit, a rename of the company and a removal keep the index in step
    run("deal", "edit", "1", "--title", "Cyberdyne mainframe")
    assert run.json("search", "platform") == []
    run("company", "edit", "cyberdyne", "--name", "Skynet Inc")
    hits = [(h["kind"], h["id"]) for r in run.json("search", "inc") for h in r["hits"]]
    assert ("deal", 3) in hits  # the company deal's row names the company's new name
    run("deal", "rm", "3", "--yes")
    assert run.json("search", "skynet licence") == []
    assert "ok    search_index" in run("db", "check").stdout


@pytest.mark.parametrize(
    "term, names",
    [
        ("deal:lost", ["Sarah Connor"]),
        ("deal:open", ["Miles Dyson"]),
        ("deal:any", ["Miles Dyson", "Sarah Connor"]),
        ("deal:lead", ["Miles Dyson"]),
        ("deal:PLATFORM", ["Miles Dyson"]),
        ("deal:won", []),
    ],
)
def test_the_deal_term_in_search_and_ls(run, term, names):
    run("add", "Miles Dyson")
    run("add", "Sarah Connor")
    run("add", "Kyle Reese")
    run("deal", "add", "miles", "Cyberdyne platform", "--value", "100")
    run("deal", "add", "sarah", "Bunker", "--value", "5")
    run("deal", "lost", "2", "--reason", "budget")
    assert sorted(r["contact"]["name"] for r in run.json("search", term)) == names
    assert sorted(c["name"] for c in run.json("ls", term)) == names


def test_stage_in_search_is_checked_as_in_ls(run):
    assert "unknown stage 'nope'" in run("search", "stage:nope", code=2).stderr
    assert "unknown stage 'nope'" in run("ls", "stage:nope", code=2).stderr
    assert "deal: needs a value" in run("ls", "deal:", code=2).stderr
