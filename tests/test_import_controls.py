"""Issue 13.3: an invisible byte never refuses a file nor drops a person.

One rule (validate.text) for `add`, `edit` and every import: text is stored as the user
gave it, control characters included (display escapes them); NUL, which SQLite's text
functions stop at, is replaced by U+2400 (␀), and an import counts the replacements."""

from __future__ import annotations

import json

GOOGLE_HEADER = "First Name,Last Name,Notes,E-mail 1 - Label,E-mail 1 - Value\n"


def test_a_google_csv_whose_note_holds_an_esc_imports_every_row(run, tmp_path):
    path = tmp_path / "google.csv"
    path.write_text(
        GOOGLE_HEADER
        + "Ann,Lee,pasted \x1b[31mred\x1b[0m from a terminal,Work,ann@x.io\n"
        + "Bob,Roe,plain,Work,bob@x.io\n",
        encoding="utf-8",
    )
    report = run.json("import", str(path))
    assert (report["created"], report["invalid"]) == (2, 0)
    ann = run.json("show", "ann")
    assert ann["notes"] == "pasted \x1b[31mred\x1b[0m from a terminal"  # as given
    shown = run("show", "ann").stdout
    assert "\x1b" not in shown and "\\x1b[31mred" in shown  # escaped at display


def test_skip_invalid_keeps_the_contact_whose_title_holds_a_control_character(run, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Title\nAnn Lee,ann@x.io,CT\x07O\nBob,bob@x.io,CEO\n")
    out = run("import", str(path), "--skip-invalid").stdout
    assert "2 created" in out and "0 invalid" in out
    assert run.json("show", "ann")["title"] == "CT\x07O"


def test_a_nul_is_replaced_visibly_and_counted_in_text_and_json(run, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Notes\nAnn\x00Lee,ann@x.io,a\x00b\x00c\nBob,bob@x.io,ok\n")
    report = run.json("import", str(path), "--dry-run")
    assert report["replaced_characters"] == 3
    assert report["records_with_replaced_characters"] == 1
    ann = next(r for r in report["records"] if r["name"] == "Ann\u2400Lee")
    assert ann["replaced_characters"] == 3
    out = run("import", str(path)).stdout
    assert "3 control characters replaced in 1 record" in out
    shown = run.json("show", "ann")
    assert shown["name"] == "Ann\u2400Lee" and shown["notes"] == "a\u2400b\u2400c"
    again = run("import", str(path)).stdout  # nothing new the second time
    assert "2 unchanged" in again


def test_a_vcard_with_control_characters_is_imported_as_given(run, tmp_path):
    path = tmp_path / "c.vcf"
    path.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ja\x1bne\r\nNOTE:bell\x07 here\\nnext\r\n"
        "X-FOO:a\x07b\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    report = run.json("import", str(path))
    assert (report["created"], report["invalid"]) == (1, 0)
    jane = run.json("show", "1")
    assert jane["name"] == "Ja\x1bne" and jane["notes"] == "bell\x07 here\nnext"
    assert jane["vcard_properties"] == ["X-FOO:a\x07b"]


def test_add_and_edit_follow_the_same_rule(run):
    added = run.json("add", "Ann\x1b[2JLee", "--title", "C\x07TO", "--notes", "x\x00y")
    assert added["name"] == "Ann\x1b[2JLee" and added["title"] == "C\x07TO"
    assert added["notes"] == "x\u2400y"
    edited = run.json("edit", "1", "--title", "a\x9bb\x00")
    assert edited["title"] == "a\x9bb\u2400"
    listing = run("ls").stdout
    assert "\x1b" not in listing and "Ann\\x1b[2JLee" in listing


def test_structured_values_with_a_control_character_are_not_values(run):
    for args in (("--email", "ja\x1bne@acme.io"), ("--url", "https://x.io/\x07")):
        err = run("add", "X", *args, code=2).stderr
        assert err.startswith("minicrm: ") and "\\x" in err, err
    assert json.loads(run("ls", "--json").stdout) == []


def test_the_edit_form_keeps_a_carriage_return_and_other_line_breaks(run, store):
    run("add", "Ann", "--title", "a\rb\x1cc\x85d\u2028e", "--set", "k=x\ry")
    from minicrm.contacts import editform
    from minicrm.contacts.reading import get_contact

    contact = get_contact(store, "ann")
    assert contact.title == "a\rb\x1cc\x85d\u2028e"
    changes = editform.parse_form(contact, editform.to_form(contact))
    assert not changes.fields and not changes.custom, changes
    assert not any(changes.add.values()) and not any(changes.remove.values())


def test_an_import_takes_the_title_lengths_add_takes(run, tmp_path):
    title = "T" * 500  # add takes a title of up to 1,000 characters; so does an import now
    run("add", "Bo", "--title", title)
    path = tmp_path / "people.csv"
    path.write_text(f"Name,Title\nAnn,{title}\n", encoding="utf-8")
    assert run.json("import", str(path))["created"] == 1
    assert run.json("show", "ann")["title"] == title
