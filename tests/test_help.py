"""Help a newcomer can use (issue 19.6): panels, whole one-line summaries, an Examples
section in every command's help (each example parses), `minicrm help CMD`, `tag ls`, and
the help's own defects: options without a metavar, REF shown as required where --deal
lets it out, formats offered then refused, a choice that was free text, a default shown
twice."""

from __future__ import annotations

import shlex

import pytest
import typer

from minicrm import cli
from minicrm.cli.examples import EXAMPLES
from minicrm.cli.summaries import PANEL_ORDER, PANELS, SUMMARIES


def tree() -> dict[str, object]:
    """Every command of the full tree by path ("" the root, "deal add" ...)."""
    found: dict[str, object] = {}

    def walk(command: object, path: str) -> None:
        found[path] = command
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}".strip())

    walk(typer.main.get_command(cli.app), "")
    return found


def help_of(run, path: str, columns: int = 80) -> str:
    return run(*path.split(), "--help").stdout if path else run("--help").stdout


def test_every_command_is_in_a_panel_and_the_help_lists_the_panels_in_order(run):
    names = [name for name, _ in SUMMARIES]
    assert set(names) <= set(PANELS) and set(PANELS.values()) <= set(PANEL_ORDER)
    text = run("--help").stdout
    headings = [line[:-1] for line in text.splitlines() if line in {f"{p}:" for p in PANEL_ORDER}]
    assert headings == [p for p in PANEL_ORDER if p in PANELS.values()]
    assert "Commands:" not in text
    contacts = text.split("Contacts:")[1].split("Timeline:")[0]
    assert "  add " in contacts and "  company " in contacts


@pytest.mark.parametrize("columns", [80, 120])
def test_no_summary_is_cut(run, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    for path, command in tree().items():
        if getattr(command, "commands", None):
            lines = help_of(run, path).splitlines()[1:]  # (the usage ends with [ARGS]...)
            assert not [line for line in lines if line.endswith("...")], path
    for _, text in SUMMARIES:  # and each top-level one fits on its line at 80 columns
        assert len(text) <= 60 and text.endswith("."), text


def test_every_command_has_examples_that_parse():
    commands = tree()
    assert set(commands) == set(EXAMPLES), set(commands) ^ set(EXAMPLES)
    root = commands[""]
    for path, examples in EXAMPLES.items():
        assert examples, path
        for line, what in examples:
            words = shlex.split(line.split(" > ")[0])
            assert words[0] == "minicrm" and what
            assert " ".join(words[1:]).startswith(path), line
            # parsing only: make_context checks options, choices and counts; nothing runs
            command, rest = root, words[1:]
            while rest and rest[0] in (getattr(command, "commands", None) or {}):
                command, rest = command.commands[rest[0]], rest[1:]  # type: ignore[attr-defined]
            if not getattr(command, "commands", None):
                command.make_context(path or "minicrm", rest)  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["", "add", "deal add", "db", "followup edit"])
def test_the_help_ends_with_its_examples(run, path):
    text = help_of(run, path)
    examples = text.split("\nExamples:\n")[1]
    first, what = EXAMPLES[path][0]
    assert f"  {first}\n      {what}\n" in examples


def test_help_cmd_is_the_commands_help(run):
    assert run("help", "deal", "add").stdout == run("deal", "add", "--help").stdout
    assert run("help", "log").stdout == run("log", "--help").stdout
    assert run("help").stdout == run("--help").stdout
    assert "Contacts:" in run("help").stdout


def test_help_cmd_names_a_mistake(run):
    assert "no command 'dela' (did you mean deal?)" in run("help", "dela", code=2).stderr
    assert (
        "deal has no command 'ad' (did you mean add?)" in run("help", "deal", "ad", code=2).stderr
    )
    assert "it has no subcommands" in run("help", "log", "x", code=2).stderr


def test_every_option_that_takes_a_value_names_it(run):
    for path, command in tree().items():
        for param in getattr(command, "params", []):
            if param.param_type_name != "option" or param.is_flag:
                continue
            if param.type.name == "choice":
                continue  # shown as its choices
            assert param.metavar, f"minicrm {path} {param.opts[0]} has no metavar"
    text = run("add", "--help").stdout + run("ls", "--help").stdout
    assert "<str>" not in text and "<int>" not in text and "TEXT" not in text.split("Options")[0]
    assert "--company COMPANY" in text and "--tag TAG" in text and "--limit N" in text


def test_ref_is_not_shown_as_required_where_deal_lets_it_out(run):
    for command in ("log", "follow"):
        text = run(command, "--help").stdout
        usage = text.splitlines()[0]
        assert "[REF]" in usage and "{REF}" not in usage, usage
        assert "[required]" not in text.split("REF", 2)[2].split("\n")[0]


def test_log_and_follow_still_take_a_deal_without_ref(run):
    run("add", "Jane Doe")
    run("deal", "add", "jane", "Website")
    assert "with Jane Doe" in run("log", "--deal", "1", "Sent the proposal").stdout
    assert run.json("follow", "--deal", "1", "Call back")["contact"]["name"] == "Jane Doe"
    assert "expected REF [KIND] TEXT" in run("log", code=2).stderr
    assert "give the contact and the title" in run("follow", code=2).stderr
    assert "give the title" in run("follow", "--deal", "1", code=2).stderr


@pytest.mark.parametrize("path", ["show", "company show"])
def test_a_page_offers_only_the_formats_it_has(run, path):
    text = run(*path.split(), "--help").stdout
    assert "csv" not in text and "tsv" not in text
    assert "table|json" in text
    result = run(*path.split(), "x", "--format", "csv", code=2)
    assert "'csv' is not one of 'table', 'json'" in result.stderr


def test_export_vcard_version_is_a_choice(run):
    assert "--vcard-version <4|3|4.0|3.0>" in run("export", "--help").stdout
    result = run("export", "-f", "vcard", "--vcard-version", "5", code=2)
    assert "'5' is not one of '4', '3', '4.0', '3.0'" in result.stderr


@pytest.mark.parametrize("command", ["undo", "redo"])
def test_a_default_is_shown_once(run, command):
    line = next(
        x for x in run(command, "--help").stdout.splitlines() if x.strip().startswith("[N]")
    )
    assert line.count("default") == 1, line


def test_tag_ls_lists_tags_with_counts(run):
    run("add", "Jane Doe", "-t", "vip", "-t", "board")
    run("add", "Sam Lee", "-t", "vip")
    run("add", "Old Friend", "-t", "vip", "-t", "school")
    run("archive", "old")
    run("tag", "cadence", "vip", "2w")
    assert [line.rstrip() for line in run("tag", "ls").stdout.splitlines()] == [
        "tag     contacts  archived  every",
        "vip     3         1         14d",
        "board   1",
        "school  1         1",
    ]
    assert run.json("tag", "ls") == [
        {"tag": "vip", "contacts": 3, "archived": 1, "keep_in_touch_days": 14},
        {"tag": "board", "contacts": 1, "archived": 0, "keep_in_touch_days": None},
        {"tag": "school", "contacts": 1, "archived": 1, "keep_in_touch_days": None},
    ]
    run("untag", "sam", "vip")
    assert run("tag", "ls").stdout.splitlines()[1].startswith("vip     2 ")


def test_tag_ls_with_no_tags(run):
    assert run.json("tag", "ls") == []
    assert run("tag", "ls").stdout == ""  # piped: an empty list prints nothing
