"""Issue 15.6: an import reports impossible dates and unclosed quotes as what they are,
with their line; --dry-run lists what it would create or merge (text and --json)."""

from __future__ import annotations

import pytest


def _file(tmp_path, text: str, name: str = "people.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("day", ["1975-02-29", "2026-02-30", "--02-30", "1990-13-01"])
def test_an_impossible_birthday_stops_the_import_with_its_line(run, tmp_path, day):
    path = _file(tmp_path, f"Name,Email,Birthday\nAnn,ann@x.io,1990-05-17\nBo,bo@x.io,{day}\n")
    err = run("import", path, code=2).stderr
    assert f"line 3 of people.csv: birthday {day!r} is an impossible date" in err
    assert run("ls", "--json").stdout.strip() == "[]"


def test_impossible_birthdays_are_invalid_records_with_skip_invalid(run, tmp_path):
    path = _file(
        tmp_path,
        "Name,Birthday\nAnn,1975-02-29\nBo,2026-02-30\nCy,circa 1815\nDee,1980-02-29\n",
    )
    report = run.json("import", path, "--skip-invalid")
    assert (report["created"], report["invalid"]) == (2, 2)
    invalid = [r["position"] for r in report["records"] if r["action"] == "invalid"]
    assert invalid == ["line 2 of people.csv", "line 3 of people.csv"]
    cy = run.json("show", "cy")  # text that is no date at all is still kept as text
    assert cy["birthday"] is None and cy["custom"]["birthday_text"] == "circa 1815"
    assert run.json("show", "dee")["birthday"] == "1980-02-29"


def test_an_impossible_date_in_a_vcard_is_reported_with_its_card(run, tmp_path):
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nBDAY:2026-02-30\r\nEND:VCARD\r\n"
    err = run("import", _file(tmp_path, card, "a.vcf"), code=2).stderr
    assert "card 1 (line 1) of a.vcf: BDAY '2026-02-30' is an impossible date" in err


def test_an_unclosed_quote_on_the_last_row_is_reported_as_such(run, tmp_path):
    path = _file(
        tmp_path,
        'Name,Email,Phone,Company,Title\nAnn,ann@x.io,,,\n"Broken Quote,broken@example.com,,,\n',
    )
    err = run("import", path, code=2).stderr
    assert 'line 3 of people.csv: a quote (") opens a value that is never closed' in err
    report = run.json("import", path, "--skip-invalid")
    assert (report["created"], report["invalid"]) == (1, 1)
    assert [c["name"] for c in run.json("ls")] == ["Ann"]


def test_an_unclosed_quote_in_the_middle_names_its_line_not_a_control_character(run, tmp_path):
    path = _file(
        tmp_path,
        "Name,Email,Notes\n"
        "Ann,ann@x.io,ok\n"
        'Broken,"broken@x.io,oops\n'
        "Cy,cy@x.io,fine\n"
        'Dee,dee@x.io,"a ""quoted"" note"\n'
        'Eve,eve@x.io,"two\nlines"\n',
    )
    err = run("import", path, code=2).stderr
    assert "control character" not in err
    assert 'line 3 of people.csv: a quote (") opens a value that is not closed' in err
    assert "line 5" in err  # where the quote that took its place is
    report = run.json("import", path, "--skip-invalid")
    assert (report["created"], report["invalid"]) == (4, 1)
    names = sorted(c["name"] for c in run.json("ls"))
    assert names == ["Ann", "Cy", "Dee", "Eve"]  # the lines it swallowed are read again
    assert run.json("show", "dee")["notes"] == 'a "quoted" note'
    assert run.json("show", "eve")["notes"] == "two\nlines"


def test_a_stray_quote_inside_one_line_is_read_as_before(run, tmp_path):
    path = _file(tmp_path, 'Name,Email\n"Ann" Lee,ann@x.io\nBo 5" tall,bo@x.io\n')
    report = run.json("import", path)
    assert (report["created"], report["invalid"]) == (2, 0)
    assert sorted(c["name"] for c in run.json("ls")) == ["Ann Lee", 'Bo 5" tall']


def test_dry_run_lists_what_it_would_create_or_merge(run, tmp_path):
    run("add", "Jane Doe", "-e", "jane@acme.io", "--title", "CEO")
    path = _file(
        tmp_path,
        "Name,Email,Title\nAnn Lee,ann@x.io,\nJane Doe,jane@acme.io,CTO\nBo,bo@x.io,\n",
    )
    out = run("import", path, "--dry-run").stdout.splitlines()
    assert out[0].startswith("Would import ") and "people.csv (csv): 2 created, 1 merged" in out[0]
    assert "  create line 2 of people.csv: Ann Lee" in out
    assert any(
        line.startswith("  merge line 3 of people.csv: Jane Doe: matched #1 (same email")
        and line.endswith("kept aside in its notes: title: CTO")
        for line in out
    ), out
    assert "  create line 4 of people.csv: Bo" in out
    report = run.json("import", path, "--dry-run")
    assert [(r["position"], r["action"], r["contact_id"]) for r in report["records"]] == [
        ("line 2 of people.csv", "created", None),
        ("line 3 of people.csv", "merged", 1),
        ("line 4 of people.csv", "created", None),
    ]
    assert run.json("ls") == run.json("ls")  # and nothing was written
    assert len(run.json("ls")) == 1
