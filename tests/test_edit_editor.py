"""`minicrm edit REF` with no options: the $EDITOR text form."""

from __future__ import annotations

import pytest

import minicrm
from minicrm.contacts import editform


@pytest.fixture
def jane(store):
    return minicrm.add_contact(
        store,
        "Jane Doe",
        minicrm.ContactChanges(
            fields={"company": "Acme", "title": "CTO", "every": "30d", "birthday": "may 17"},
            add={
                "emails": ["work:jane@acme.io", "jane@home.org"],
                "addresses": ["1 Main St\nSpringfield"],
            },
            add_tags=["vip", "board"],
            custom={"linkedin": "jd"},
        ),
    )


def test_unchanged_form_means_no_changes(jane):
    assert editform.parse_form(jane, editform.to_form(jane)).is_empty()


def test_form_edits_become_changes(store, jane):
    form = editform.to_form(jane)
    form = form.replace("title: CTO", "title: CEO")
    form = form.replace("email: jane@home.org\n", "email: home:jane@home.org\nemail: j@x.io\n")
    form = form.replace("tags: board, vip", "tags: vip, new")
    form = form.replace("custom.linkedin: jd", "custom.github: jdoe")
    form = form.replace("company: Acme", "company:")
    changes = editform.parse_form(jane, form)
    updated, changed = minicrm.update_contact(store, jane.id, changes, expected=jane)
    assert changed
    assert updated.title == "CEO" and updated.company is None
    assert [(e.label, e.value) for e in updated.emails] == [
        ("work", "jane@acme.io"),
        ("home", "jane@home.org"),
        (None, "j@x.io"),
    ]
    assert updated.tags == ("new", "vip")
    assert updated.custom == {"github": "jdoe", "linkedin": "jd"}  # a deleted line keeps its field
    assert updated.addresses[0].value == "1 Main St\nSpringfield"
    assert updated.birthday == "--05-17" and updated.cadence_days == 30


def test_notes_are_in_the_form_with_their_line_breaks(store, jane):
    form = editform.to_form(jane).replace("notes:", "notes: Likes tea\\nand long walks")
    updated, _ = minicrm.update_contact(store, jane.id, editform.parse_form(jane, form))
    assert updated.notes == "Likes tea\nand long walks"
    assert "notes: Likes tea\\nand long walks" in editform.to_form(updated)


def test_emptied_form_or_deleted_lines_change_nothing(jane):
    assert editform.parse_form(jane, "").is_empty()
    assert editform.parse_form(jane, "# only a comment\n\n").is_empty()
    assert editform.parse_form(jane, "title: CEO\n").fields == {"title": "CEO"}


def test_cleared_values_remove(store, jane):
    form = editform.to_form(jane)
    form = form.replace("custom.linkedin: jd", "custom.linkedin:")
    form = form.replace("email: work:jane@acme.io\nemail: jane@home.org", "email:")
    form = form.replace("tags: board, vip", "tags:")
    updated, _ = minicrm.update_contact(store, jane.id, editform.parse_form(jane, form))
    assert updated.custom == {} and updated.emails == () and updated.tags == ()
    assert updated.title == "CTO" and updated.addresses == jane.addresses


def test_bad_form_lines_are_named(jane):
    with pytest.raises(minicrm.InvalidInput, match="line 1: unknown field 'colour'"):
        editform.parse_form(jane, "colour: blue\n")
    with pytest.raises(minicrm.InvalidInput, match="line 2"):
        editform.parse_form(jane, "title: a\njust text\n")


def test_edit_opens_the_editor_on_a_terminal(run, monkeypatch):
    run("add", "Jane Doe", "--title", "CTO")
    seen = {}

    def fake_edit(text, **kwargs):
        seen["text"] = text
        return text.replace("title: CTO", "title: CEO")

    monkeypatch.setattr("minicrm.cli.edit.interactive", lambda: True)
    monkeypatch.setattr("minicrm.cli.common.open_editor", fake_edit)
    assert run("edit", "jane").stdout.startswith("Updated #1")
    assert "name: Jane Doe" in seen["text"]
    assert run.json("show", "1")["title"] == "CEO"


def test_editor_save_refuses_if_contact_changed_meanwhile(run, monkeypatch, db_path):
    run("add", "Jane Doe", "--title", "CTO")

    def concurrent_edit(text, **kwargs):
        other = minicrm.open_store(db_path)
        minicrm.update_contact(other, 1, minicrm.ContactChanges(fields={"title": "COO"}))
        other.close()
        return text.replace("title: CTO", "title: CEO")

    monkeypatch.setattr("minicrm.cli.edit.interactive", lambda: True)
    monkeypatch.setattr("minicrm.cli.common.open_editor", concurrent_edit)
    result = run("edit", "jane", code=2)
    assert "changed by another command" in result.stderr and "your edit is kept in" in result.stderr
    kept = result.stderr.split("your edit is kept in ")[1].rstrip(")\n")
    with open(kept) as handle:
        assert "title: CEO" in handle.read()
    assert run.json("show", "1")["title"] == "COO"


def test_editor_quit_without_saving_changes_nothing(run, monkeypatch):
    run("add", "Jane Doe")
    monkeypatch.setattr("minicrm.cli.edit.interactive", lambda: True)
    monkeypatch.setattr("minicrm.cli.common.open_editor", lambda text, **kw: None)
    assert run("edit", "jane").stdout.startswith("No change to #1")


def test_open_editor_runs_the_users_editor(tmp_path, monkeypatch):
    from minicrm.cli.common import open_editor

    script = tmp_path / "ed.sh"
    script.write_text('#!/bin/sh\nsleep 0.01; sed -i "s/CTO/CEO/" "$1"\n')
    script.chmod(0o700)
    monkeypatch.setenv("VISUAL", f"{script}")
    assert open_editor("title: CTO\n") == "title: CEO\n"
    monkeypatch.setenv("VISUAL", "true")  # exits 0 without saving
    assert open_editor("title: CTO\n") is None
    monkeypatch.setenv("VISUAL", "false")
    with pytest.raises(minicrm.MinicrmError, match="exited with code 1"):
        open_editor("x")
    monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
    with pytest.raises(minicrm.MinicrmError, match="cannot run the editor"):
        open_editor("x")
