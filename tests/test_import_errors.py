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


# -- labels that are not tags (vCard CATEGORIES, Google Labels, Outlook Categories) -----


def test_a_vcard_category_with_a_space_becomes_a_tag_not_an_error(run, tmp_path):
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\n"
        "CATEGORIES:Book Club,VIP,***\r\nEMAIL:ann@x.io\r\nEND:VCARD\r\n"
    )
    report = run.json("import", _file(tmp_path, card, "c.vcf"))
    assert (report["created"], report["invalid"]) == (1, 0)
    ann = run.json("show", "ann")
    assert ann["tags"] == ["book-club", "vip"]
    # what the rule changed (more than case) is kept as the label was written
    assert ann["custom"]["labels"] == "Book Club, ***"


def test_google_labels_with_punctuation_become_tags_and_no_contact_is_dropped(run, tmp_path):
    path = _file(
        tmp_path,
        "First Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value\r\n"
        "Ann,Lee,Family & Friends ::: * myContacts,* Home,ann@x.io\r\n"
        "Bo,Chen,Clients (2026) ::: * myContacts,Work,bo@x.io\r\n",
        "g.csv",
    )
    report = run.json("import", path, "--skip-invalid")
    assert (report["created"], report["invalid"]) == (2, 0)
    assert run.json("show", "ann")["tags"] == ["family-friends"]
    bo = run.json("show", "bo")
    assert bo["tags"] == ["clients-2026"] and bo["custom"]["labels"] == "Clients (2026)"


def test_outlook_categories_and_minicrm_csv_tags_follow_the_same_rule(run, tmp_path):
    outlook = _file(
        tmp_path,
        "First Name,Last Name,E-mail Address,Categories\r\nAnn,Lee,ann@x.io,Book Club;Key Customer\r\n",
        "o.csv",
    )
    run("import", outlook, "--format", "outlook")
    assert run.json("show", "ann")["tags"] == ["book-club", "key-customer"]
    generic = _file(tmp_path, "Name,Email,Tags\nCy,cy@x.io,Book Club\n", "t.csv")
    run("import", generic)
    assert run.json("show", "cy")["tags"] == ["book-club"]


def test_a_typed_tag_with_a_space_is_refused_with_the_tag_it_would_be(run):
    run("add", "Jane Doe")
    err = run("tag", "jane", "Book Club", code=2).stderr
    assert "not a tag: 'Book Club'" in err and "book-club" in err


# -- vCard 2.1 charsets --------------------------------------------------------------------


def _bytes_file(tmp_path, data: bytes, name: str = "v.vcf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_quoted_printable_without_charset_falls_back_to_cp1252(run, tmp_path):
    data = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\n"
        b"FN;ENCODING=QUOTED-PRINTABLE:J=FCrgen M=FCller\r\nEND:VCARD\r\n"
    )
    path = _bytes_file(tmp_path, data)
    run("import", path)
    assert run.json("show", "jurgen")["name"] == "Jürgen Müller"


def test_quoted_printable_without_charset_uses_the_given_encoding(run, tmp_path):
    # 0xE8 is č in ISO-8859-2, è in cp1252
    data = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE:Ka=E8a\r\nEND:VCARD\r\n"
    run("import", _bytes_file(tmp_path, data), "--encoding", "iso-8859-2")
    assert run.json("ls")[0]["name"] == "Kača"


def test_quoted_printable_utf8_is_read_as_utf8(run, tmp_path):
    data = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE:Jos=C3=A9\r\nEND:VCARD\r\n"
    run("import", _bytes_file(tmp_path, data))
    assert run.json("ls")[0]["name"] == "José"


def test_raw_8bit_text_with_a_charset_parameter_is_read_in_that_charset(run, tmp_path):
    data = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-1:J\xfcrgen M\xfcller\r\n"
        b"NOTE:caf\xc3\xa9\r\nTITLE:Gesch\xe4ftsf\xfchrer\r\nEND:VCARD\r\n"
    )
    run("import", _bytes_file(tmp_path, data))
    shown = run.json("show", "jurgen")
    assert shown["name"] == "Jürgen Müller" and shown["notes"] == "café"  # UTF-8 stays UTF-8
    assert shown["title"] == "Geschäftsführer"  # no CHARSET, not UTF-8: cp1252


# -- Outlook birthdays: day/month order decided for the whole file --------------------------


def _outlook(tmp_path, *birthdays: str) -> str:
    rows = "".join(f"P{n},p{n}@x.io,,,{b}\r\n" for n, b in enumerate(birthdays))
    header = "First Name,E-mail Address,Job Title,Business Phone,Birthday\r\n"
    return _file(tmp_path, header + rows, "o.csv")  # read as Outlook's without --format


def test_outlook_day_first_dates_are_read_day_first_for_the_whole_file(run, tmp_path):
    path = _outlook(tmp_path, "5/1/1980", "13/1/1980")
    run("import", path, "--format", "outlook")
    assert run.json("show", "p0")["birthday"] == "1980-01-05"
    assert run.json("show", "p1")["birthday"] == "1980-01-13"


def test_outlook_month_first_dates_stay_month_first(run, tmp_path):
    run("import", _outlook(tmp_path, "5/1/1980", "1/13/1980"))
    assert run.json("show", "p0")["birthday"] == "1980-05-01"
    assert run.json("show", "p1")["birthday"] == "1980-01-13"


def test_outlook_all_ambiguous_dates_are_month_first_unless_told(run, tmp_path):
    path = _outlook(tmp_path, "5/1/1980", "2/3/1990")
    run("import", path)
    assert run.json("show", "p0")["birthday"] == "1980-05-01"
    run("rm", "p0", "--yes")
    run("rm", "p1", "--yes")
    run("import", path, "--dates", "dmy")
    assert run.json("show", "p0")["birthday"] == "1980-01-05"


def test_outlook_dates_of_both_orders_in_one_file_are_refused(run, tmp_path):
    path = _outlook(tmp_path, "5/1/1980", "13/1/1980", "1/13/1980")
    err = run("import", path, code=2).stderr
    assert "both day-first" in err and "--dates" in err
    assert run("ls", "--json").stdout.strip() == "[]"
    run("import", path, "--dates", "dmy", "--skip-invalid")
    assert run.json("show", "p1")["birthday"] == "1980-01-13"


def test_an_impossible_outlook_date_makes_the_record_invalid(run, tmp_path):
    path = _outlook(tmp_path, "13/1/1980", "31/2/1980")
    err = run("import", path, code=2).stderr
    assert "line 3 of o.csv: birthday" in err and "impossible" in err


def test_dates_is_refused_for_a_vcard(run, tmp_path):
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEND:VCARD\r\n"
    err = run("import", _file(tmp_path, card, "a.vcf"), "--dates", "dmy", code=2).stderr
    assert "--dates is for Outlook CSV files" in err
