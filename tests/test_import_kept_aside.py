"""Issue 13.4: an import that matches a contact keeps the record's differing values
where the user sees them (the contact's notes, as `merge` does), says which records had
values kept aside, and calls a record "unchanged" only when the database has it all."""

from __future__ import annotations


def _csv(tmp_path, text: str):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_matched_row_keeps_its_different_title_and_note(run, tmp_path):
    run("add", "Jane Doe", "--email", "jane@acme.io", "--title", "CEO", "--notes", "Met in 2019")
    path = _csv(
        tmp_path,
        "Name,Email,Title,Notes\nJane Doe,JANE@acme.io,CTO,Prefers mornings\n",
    )
    report = run.json("import", path)
    assert (report["merged"], report["unchanged"], report["kept_aside"]) == (1, 0, 1)
    (record,) = report["records"]
    assert record["kept_aside"] == [
        {"field": "notes", "value": "Prefers mornings"},
        {"field": "title", "value": "CTO"},
    ]
    jane = run.json("show", "jane")
    assert jane["title"] == "CEO"  # what the user has is never overwritten
    assert jane["notes"] == (
        "Met in 2019\n\nPrefers mornings\n\n"
        "Imported from line 2 of people.csv on 2026-11-22: title: CTO"
    )

    again = run.json("import", path)  # the file holds nothing the database lacks now
    assert (again["merged"], again["unchanged"], again["kept_aside"]) == (0, 1, 0)
    assert run.json("show", "jane")["notes"] == jane["notes"]  # no second copy


def test_the_text_report_names_the_records_with_values_kept_aside(run, tmp_path):
    run("add", "Jane Doe", "--email", "jane@acme.io", "--title", "CEO", "-c", "Acme")
    path = _csv(
        tmp_path,
        "Name,Email,Title,Company,Nickname\nJane Doe,jane@acme.io,CTO,Globex,JD\n",
    )
    out = run("import", path).stdout
    assert "1 merged" in out
    assert "1 record had values that differ from the contact they matched" in out
    assert "merged line 2 of people.csv: Jane Doe" in out
    assert "kept aside in its notes: title: CTO; company: Globex" in out
    jane = run.json("show", "jane")
    assert jane["nickname"] == "JD"  # an empty field is filled, not kept aside
    assert jane["company"]["name"] == "Acme"


def test_same_values_written_differently_are_not_kept_aside(run, tmp_path):
    run("add", "Jane Doe", "-e", "jane@acme.io", "--title", "CTO", "--birthday", "1990-05-17")
    path = _csv(tmp_path, "Name,Email,Title,Birthday\njane  DOE,jane@acme.io,cto,--05-17\n")
    report = run.json("import", path)
    assert (report["unchanged"], report["kept_aside"]) == (1, 0)


def test_a_full_birthday_fills_the_year_of_the_same_day(run, tmp_path):
    run("add", "Jane Doe", "-e", "jane@acme.io", "--birthday", "may 17")
    path = _csv(tmp_path, "Name,Email,Birthday\nJane Doe,jane@acme.io,1990-05-17\n")
    report = run.json("import", path)
    assert (report["merged"], report["kept_aside"]) == (1, 0)
    assert run.json("show", "jane")["birthday"] == "1990-05-17"


def test_a_differing_custom_field_is_kept_aside(run, tmp_path):
    run("add", "Jane Doe", "-e", "jane@acme.io", "--set", "team=red")
    path = _csv(tmp_path, "Name,Email,Team\nJane Doe,jane@acme.io,blue\n")
    report = run.json("import", path)
    assert report["records"][0]["kept_aside"] == [{"field": "team", "value": "blue"}]
    assert run.json("show", "jane")["custom"] == {"team": "red"}
    assert "team: blue" in run.json("show", "jane")["notes"]


def test_undo_takes_the_kept_aside_note_back(run, tmp_path):
    run("add", "Jane Doe", "-e", "jane@acme.io", "--title", "CEO")
    run("import", _csv(tmp_path, "Name,Email,Title\nJane Doe,jane@acme.io,CTO\n"))
    assert "title: CTO" in run.json("show", "jane")["notes"]
    run("undo")
    assert run.json("show", "jane")["notes"] is None
