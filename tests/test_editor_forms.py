"""$EDITOR where text is long (issue 19.5): `log REF KIND` with no text, `interaction edit`,
`followup edit` and `deal edit` with no option open the editor at a terminal; an invalid
edit reopens it with the error at the top (as git commit and crontab -e do); nothing is
left behind; not at a terminal, exit 2 with one clear line."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest


class Editor:
    """A scripted user: each call gets the text shown and returns the next edit (a
    function of the text shown; None: quit without saving)."""

    def __init__(self, *edits):
        self.edits = list(edits)
        self.shown: list[str] = []

    def __call__(self, text: str, **kwargs) -> str | None:
        self.shown.append(text)
        edit = self.edits.pop(0)
        result = edit(text) if callable(edit) else edit
        return None if result == text else result


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr("minicrm.cli.common.interactive", lambda: True)
    for module in ("interactions", "followups", "deals", "edit"):
        monkeypatch.setattr(f"minicrm.cli.{module}.interactive", lambda: True)

    def use(editor: Editor) -> Editor:
        monkeypatch.setattr("minicrm.cli.common.open_editor", editor)
        return editor

    return use


@pytest.fixture
def jane(run):
    run("add", "Jane Doe", "--email", "jane@acme.io")
    run("log", "jane", "call", "Talked pricing\nThey want a discount")
    return "jane"


def test_log_without_text_opens_a_template_with_the_name_and_the_last_interaction(
    run, terminal, jane
):
    editor = terminal(Editor(lambda t: "Sent the revised offer\n" + t))
    assert run("log", "jane", "email").stdout.startswith("Logged email #2 with Jane Doe")
    [shown] = editor.shown
    assert "# The email with Jane Doe <jane@acme.io>: write what happened above." in shown
    assert "# The last interaction: call, " in shown
    assert "#   Talked pricing\n#   They want a discount" in shown
    assert run.json("interaction", "show", "2")["body"] == "Sent the revised offer"


def test_log_with_an_empty_text_logs_nothing(run, terminal, jane):
    terminal(Editor(lambda t: t))  # saved as shown: only comments
    assert "the text is empty; nothing was logged" in run("log", "jane", "note", code=1).stderr
    assert len(run.json("notes", "jane")) == 1


def test_log_text_too_long_reopens_the_editor_with_the_error_on_top(run, terminal, jane):
    editor = terminal(Editor(lambda t: "x" * 1_000_001 + "\n" + t, lambda t: "Short now\n"))
    run("log", "jane", "note")
    first_error = editor.shown[1].splitlines()[0]
    assert first_error.startswith("# minicrm: text is 1,000,001 characters long")
    assert editor.shown[1].splitlines()[1].startswith("# Fix it, then save and quit")
    assert run.json("notes", "jane")[0]["body"] == "Short now"


def test_log_about_a_deal_names_the_deal(run, terminal, jane):
    run("deal", "add", "jane", "Website")
    editor = terminal(Editor(lambda t: "Proposal sent\n" + t))
    run("log", "--deal", "1", "email")
    assert "about deal #1 Website, with Jane Doe" in editor.shown[0]
    assert "# The last interaction: call" in editor.shown[0]


def test_interaction_edit_in_the_editor(run, terminal, jane):
    run("add", "Sam Lee")
    editor = terminal(
        Editor(
            lambda t: (
                t.replace("kind: call", "kind: meeting")
                .replace("with: #1", "with: #1, sam")
                .replace("They want a discount", "They want 10% off")
            )
        )
    )
    assert run("interaction", "edit", "1").stdout.startswith("Updated interaction #1")
    assert "kind: call\nat: " in editor.shown[0] and "\n---\nTalked pricing\n" in editor.shown[0]
    item = run.json("interaction", "show", "1")
    assert item["kind"] == "meeting" and item["body"] == "Talked pricing\nThey want 10% off"
    assert [c["name"] for c in item["contacts"]] == ["Jane Doe", "Sam Lee"]


def test_an_unknown_contact_in_the_form_reopens_it(run, terminal, jane):
    editor = terminal(
        Editor(
            lambda t: t.replace("with: #1", "with: #1, nobody"),
            lambda t: t.replace("with: #1, nobody", "with: #1"),
        )
    )
    assert run("interaction", "edit", "1").stdout.startswith("No change to interaction #1")
    assert editor.shown[1].startswith("# minicrm: no contact matches 'nobody'")


def test_the_error_on_top_gives_its_hint_once(run, terminal, jane):
    """A trial's form said "(fields: nickname, ...) (fields: nickname, ...)": the hint
    was added to a message that already held it."""
    editor = terminal(
        Editor(
            lambda t: t + "bogus: 1\n",
            lambda t: "\n".join(x for x in t.splitlines() if not x.startswith("bogus")),
        )
    )
    run("edit", "jane")
    error = editor.shown[1].splitlines()[0]
    assert "unknown field 'bogus'" in error and error.count("(fields:") == 1


def test_followup_edit_in_the_editor_with_an_invalid_day_fixed(run, terminal, jane):
    run("follow", "jane", "Send the deck", "--due", "2026-12-10", "--notes", "Slides v2")
    editor = terminal(
        Editor(
            lambda t: t.replace("due: 2026-12-10", "due: blursday"),
            lambda t: (
                t.replace("due: blursday", "due: 2026-12-11")
                .replace("priority: normal", "priority: high")
                .replace("Slides v2", "Slides v3")
            ),
        )
    )
    run("followup", "edit", "1")
    shown = editor.shown[1]
    assert shown.startswith("# minicrm: ") and "blursday" in shown.splitlines()[0]
    assert "due: blursday" in shown  # the user's edit is kept below the error
    item = run.json("followup", "show", "1")
    assert (item["due_date"], item["priority"], item["notes"]) == (
        "2026-12-11",
        "high",
        "Slides v3",
    )


def test_a_bad_line_is_named_by_its_line_in_the_file_shown(run, terminal, jane):
    run("follow", "jane", "Send the deck")
    editor = terminal(
        Editor(lambda t: t.replace("priority:", "colour: blue\npriority:"), lambda t: t)
    )
    result = run("followup", "edit", "1", code=2)
    shown = editor.shown[1].splitlines()
    number = int(shown[0].split("line ")[1].split(":")[0])
    assert shown[number - 1] == "colour: blue"  # the line the error names
    assert "unknown field 'colour'" in result.stderr and "nothing was changed" in result.stderr


def test_deal_edit_in_the_editor(run, terminal, jane):
    run("deal", "add", "jane", "Website", "--value", "1200")
    editor = terminal(
        Editor(
            lambda t: t.replace("value: 1200.00", "value: lots"),
            lambda t: t.replace("value: lots", "value: 1500").replace(
                "close:", "close: 2027-01-15"
            ),
        )
    )
    run("deal", "edit", "1")
    assert "title: Website\nvalue: 1200.00\ncurrency: EUR\n" in editor.shown[0]
    assert editor.shown[1].startswith("# minicrm: ")
    deal = run.json("deal", "show", "1")
    assert (deal["value"], deal["close_date"]) == ("1500.00", "2027-01-15")


def test_emptying_the_form_changes_nothing(run, terminal, jane):
    run("deal", "add", "jane", "Website", "--value", "1200")
    terminal(Editor(""))
    assert run("deal", "edit", "1").stdout.startswith("No change to")
    assert run.json("deal", "show", "1")["value"] == "1200.00"


@pytest.mark.parametrize(
    "args",
    [["interaction", "edit", "1"], ["followup", "edit", "1"], ["deal", "edit", "1"]],
)
def test_not_at_a_terminal_exit_2_with_a_clear_line(run, jane, args):
    run("follow", "jane", "Send the deck")
    run("deal", "add", "jane", "Website")
    result = run(*args, code=2)
    assert result.stderr.startswith("minicrm: nothing to change (give --")
    assert "at a terminal" in result.stderr and "$EDITOR" in result.stderr
    assert result.stderr.count("\n") == 1


def test_log_kind_without_text_not_at_a_terminal(run, jane):
    result = run("log", "jane", "call", code=2)
    assert "no text after the kind 'call'" in result.stderr


def test_contact_edit_reopens_on_a_bad_value_and_leaves_no_file(run, terminal, jane, tmp_path):
    editor = terminal(
        Editor(
            lambda t: t.replace("birthday:", "birthday: the 45th"),
            lambda t: t.replace("birthday: the 45th", "birthday: may 17"),
        )
    )
    before = set(os.listdir(tempfile.gettempdir()))
    run("edit", "jane")
    assert editor.shown[1].startswith("# minicrm: ")
    assert run.json("show", "jane")["birthday"] == "--05-17"
    assert set(os.listdir(tempfile.gettempdir())) == before


def test_a_real_editor_and_no_temp_file_left(run, jane, tmp_path, monkeypatch):
    """The user's editor is a program: first it writes a bad value, then a good one."""
    monkeypatch.setattr("minicrm.cli.common.interactive", lambda: True)
    monkeypatch.setattr("minicrm.cli.deals.interactive", lambda: True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    run("deal", "add", "jane", "Website", "--value", "1200")
    count = tmp_path / "count"
    seen = tmp_path / "seen"
    script = tmp_path / "editor.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'cat "$1" >> "{seen}"\n'
        f'if [ -e "{count}" ]; then sed -i "s/value: lots/value: 99/" "$1"\n'
        f'else touch "{count}"; sed -i "s/value: 1200.00/value: lots/" "$1"; fi\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("VISUAL", str(script))
    run("deal", "edit", "1")
    assert run.json("deal", "show", "1")["value"] == "99.00"
    assert "# minicrm: " in seen.read_text()
    left = [p.name for p in Path(tmp_path).iterdir() if p.name.startswith("minicrm-")]
    assert left == []
