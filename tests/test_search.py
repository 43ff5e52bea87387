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
