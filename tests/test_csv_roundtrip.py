"""Issue 13.6: the CSV formula guard is reversible for every value.

A cell a spreadsheet would run (`= + - @`, tab, CR, NUL first) gets a leading `'`; a cell
that already starts with `'` (or several) before such a character gets one more, so the
reader, which takes exactly one `'` off such a cell, gives back what was written."""

from __future__ import annotations

import csv
import io

from hypothesis import example, given
from hypothesis import strategies as st

from minicrm.ui.machine import guard_formula, unguard_formula, write_delimited


def test_a_quoted_nickname_comes_back_as_it_was(run, tmp_path):
    run("add", "Ann Lee", "--nickname", "'=quoted", "--title", "''+1", "--set", "k='@x")
    run("add", "Bob", "--nickname", "=SUM(A1)", "--title", "'plain")
    out = tmp_path / "people.csv"
    run("export", "-f", "csv", "-o", str(out))
    text = out.read_text()
    assert "''=quoted" in text and "'=SUM(A1)" in text
    other = str(tmp_path / "other.db")
    run("--db", other, "import", str(out))
    ann = run.json("--db", other, "show", "ann")
    assert (ann["nickname"], ann["title"]) == ("'=quoted", "''+1")
    bob = run.json("--db", other, "show", "bob")
    assert (bob["nickname"], bob["title"]) == ("=SUM(A1)", "'plain")


def test_a_google_csv_round_trips_a_quoted_value_too(run, tmp_path):
    run("add", "Ann Lee", "--nickname", "'-1", "--email", "ann@x.io")
    out = tmp_path / "google.csv"
    run("export", "-f", "google", "-o", str(out))
    other = str(tmp_path / "other.db")
    run("--db", other, "import", str(out))
    assert run.json("--db", other, "show", "ann")["nickname"] == "'-1"


def test_raw_writes_cells_exactly(run):
    run("add", "Ann", "--nickname", "'=quoted")
    assert ",'=quoted," in run("ls", "--format", "csv", "--raw").stdout


@given(st.text())
@example("'=quoted")
@example("''+1")
def test_unguard_undoes_guard_for_any_text(value):
    guarded = guard_formula(value)
    assert unguard_formula(guarded) == value
    # and the guard still does its job: nothing a spreadsheet runs
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r", "\x00"))


@given(st.lists(st.text(), min_size=1, max_size=5))
@example(["'=quoted", "'", "''-1", "@x"])
def test_any_cells_round_trip_through_the_csv_writer_and_reader(cells):
    buffer = io.StringIO()
    write_delimited([f"c{i}" for i in range(len(cells))], [cells], file=buffer)
    (_header, row) = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert [unguard_formula(c) for c in row] == cells
