"""ls shows what it sorts by: last contacted and next due columns, --columns (issue 19.7)."""

from __future__ import annotations

import pytest


@pytest.fixture
def people(run, contact_factory):
    contact_factory("Ann Lee", "-e", "ann@x.example", "--title", "CTO")
    contact_factory("Bob Ray")
    contact_factory("Cy Day")
    run("log", "ann", "call", "Hi", "--at", "2026-11-20 10:00")
    run("log", "cy", "call", "Hi", "--at", "2026-11-02 10:00")
    run("follow", "bob", "Call", "--due", "2026-11-30")
    run("follow", "bob", "Earlier", "--due", "2026-11-25", "--at", "9am")
    run("follow", "cy", "Later", "--due", "2026-12-10")
    return run


def _table(text: str) -> list[list[str]]:
    return [line.split("  ") for line in text.splitlines()]


def test_the_default_table_has_next_due_and_last_contacted_when_sorted_by_it(people):
    lines = people("ls").stdout.splitlines()
    head = "id name company email phone tags stage next due"
    assert " ".join(lines[0].split()) == head
    bob = next(line for line in lines if "Bob Ray" in line)
    assert bob.endswith("2026-11-25 09:00")
    lines = people("ls", "--sort", "last-contacted").stdout.splitlines()
    assert " ".join(lines[0].split()) == head + " last contacted"
    assert "2026-11-20" in next(line for line in lines if "Ann Lee" in line)


def test_columns_chooses_and_orders_them(people):
    out = people("ls", "--columns", "name,title,next-due").stdout.splitlines()
    assert out[0].split() == ["name", "title", "next", "due"]
    assert out[1].split() == ["Ann", "Lee", "CTO"]
    assert out[2].split() == ["Bob", "Ray", "2026-11-25", "09:00"]


def test_the_sort_column_is_always_shown(people):
    out = people("ls", "--columns", "name", "--sort", "last-contacted").stdout.splitlines()
    assert out[0].split() == ["name", "last", "contacted"]
    assert [line.split()[0] for line in out[1:]] == ["Bob", "Cy", "Ann"]  # never, oldest, newest
    out = people("ls", "--columns", "name", "--sort", "next-due").stdout.splitlines()
    assert [line.split()[0] for line in out[1:]] == ["Bob", "Cy", "Ann"]  # soonest, none last


@pytest.mark.parametrize(
    "args, text",
    [
        (["--columns", "name,bogus"], "no column 'bogus'"),
        (["--columns", ","], "--columns needs a column"),
        (["--columns", "name", "--json"], "--columns chooses the table's columns"),
    ],
)
def test_bad_columns(run, args, text):
    result = run("ls", *args, code=2)
    assert text in result.stderr and len(result.stderr.strip().splitlines()) == 1
