"""Docs cannot drift: every command has help and a section in docs/cli.md; the schema in
docs/schema.md is the one the migrations build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from minicrm.cli import app
from minicrm.db.opening import memory_store

DOCS = Path(__file__).resolve().parent.parent / "docs"


def commands(group=None, prefix=""):
    group = group or typer.main.get_command(app)
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}".strip()
        if hasattr(command, "commands"):
            yield path, command
            yield from commands(command, path)
        else:
            yield path, command


ALL = list(commands())


def test_the_tree_is_what_we_think():
    names = {path for path, _ in ALL}
    assert {"add", "ls", "show", "edit", "rm", "company add", "db path"} <= names


@pytest.mark.parametrize(("path", "command"), ALL, ids=[p for p, _ in ALL])
def test_every_command_has_help_and_a_docs_section(path, command):
    assert (command.help or "").strip(), f"{path} has no help text"
    for param in command.params:
        if param.name not in {"help"} and hasattr(param, "help"):
            assert param.help, f"{path}: option {param.name} has no help"
    cli_md = (DOCS / "cli.md").read_text()
    assert re.search(rf"^### minicrm {re.escape(path)}$", cli_md, re.M), (
        f"{path} missing in docs/cli.md"
    )


def cli_md_sections() -> dict[str, str]:
    """docs/cli.md's ``### minicrm PATH`` sections by PATH ("" for the text before the
    first), each up to the next heading of level 2 or 3."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    sections: dict[str, str] = {}
    name, start = "", 0
    for heading in re.finditer(r"^(##|###) (.*)$", text, re.M):
        sections.setdefault(name, text[start : heading.start()])
        name = (
            heading.group(2)[len("minicrm ") :] if heading.group(2).startswith("minicrm ") else "?"
        )
        start = heading.end()
    sections.setdefault(name, text[start:])
    return sections


@pytest.mark.parametrize(("path", "command"), ALL, ids=[p for p, _ in ALL])
def test_every_command_has_its_generated_reference_in_its_section(path, command):
    """Each command's section in docs/cli.md holds its generated usage line and table of
    arguments and options (a group's: its table of commands), so everything --help says
    is in the reference; cog checks that the blocks hold what the tree says."""
    section = cli_md_sections().get(path)
    assert section is not None, f"docs/cli.md has no section '### minicrm {path}'"
    assert f'[[[cog usage("{path}") ]]]' in section, f"minicrm {path}: no generated usage"
    if hasattr(command, "commands"):
        assert f'[[[cog commands("{path}") ]]]' in section, f"minicrm {path}: no command table"
    elif [p for p in command.params if p.name != "help"]:
        assert f'options("{path}"' in section, f"minicrm {path}: no table of its options"


def test_the_root_has_its_generated_reference():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    top = cli_md_sections()[""]
    assert 'usage("")' in top and 'options("", ' in top, "the global options' reference"
    assert '[[[cog commands("") ]]]' in text, "the table of all commands"


def test_the_generated_reference_is_up_to_date():
    """docs/cli.md's generated blocks are what docs/gen_cli.py makes of the command tree
    now: `cog --check docs/cli.md` (as .ci/run runs it). Run `cog -r docs/cli.md`."""
    from cogapp import Cog

    cog = Cog()
    assert cog.main(["cog", "--check", "--diff", str(DOCS / "cli.md")]) == 0, (
        "docs/cli.md is stale: run cog -r docs/cli.md"
    )


def test_the_generated_reference_depends_on_nothing_but_the_tree(tmp_path):
    """Another terminal width, locale, time zone, configuration (other stages, another
    currency) and no home folder: docs/cli.md is generated the same."""
    import os
    import subprocess
    import sys

    config = tmp_path / "config.toml"
    config.write_text(
        '[contacts]\nstages = ["a", "b"]\n[deals]\ncurrency = "JPY"\n'
        'stages = [{name = "x", probability = 5}, {name = "won", probability = 100},'
        ' {name = "lost", probability = 0}]\n[digest]\nlimit = 3\n[backups]\nkeep = 2\n'
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "COLUMNS": "37",
        "LINES": "5",
        "TERM": "dumb",
        "NO_COLOR": "1",
        "LC_ALL": "C",
        "TZ": "Pacific/Kiritimati",
        "MINICRM_CONFIG": str(config),
        "MINICRM_DB": str(tmp_path / "nowhere" / "x.db"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff", str(DOCS / "cli.md")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "nowhere").exists(), "generating the docs opened a database"


def prints_json(command) -> bool:
    """The command takes --json, or a --format that offers json (digest, export)."""
    for param in getattr(command, "params", []):
        if "--json" in getattr(param, "opts", []):
            return True
        if "--format" in getattr(param, "opts", []) and "json" in getattr(
            param.type, "choices", ()
        ):
            return True
    return False


def json_md_commands() -> set[str]:
    """The command paths of docs/json.md's tagged examples (``<!-- json: TYPE | minicrm
    deal show 1 --json -->`` is ``deal show``)."""
    import shlex

    groups = {p for p, c in ALL if hasattr(c, "commands")}
    found = set()
    text = (DOCS / "json.md").read_text(encoding="utf-8")
    for command in re.findall(r"^<!-- json: [^|\n]+ \| minicrm (.+?) -->$", text, re.M):
        words = [w for w in shlex.split(command) if not w.startswith("-")]
        found.add(" ".join(words[:2]) if words[0] in groups else words[0])
    return found


JSON_COMMANDS = [(p, c) for p, c in ALL if prints_json(c)]


@pytest.mark.parametrize(("path", "command"), JSON_COMMANDS, ids=[p for p, _ in JSON_COMMANDS])
def test_every_json_command_has_its_shape_in_json_md(path, command):
    """docs/json.md shows what each command that prints JSON prints: an example tagged with
    the command (tests/test_json_docs.py runs it and checks its output against the shape)."""
    assert path in json_md_commands(), f"minicrm {path} prints JSON: tag an example in json.md"


def test_the_json_commands_are_the_ones_we_think():
    paths = {p for p, _ in JSON_COMMANDS}
    assert {"ls", "digest", "export", "deal move", "db check", "tag"} <= paths
    assert not {"rm", "db path", "untag"} & paths


def generated_schema() -> str:
    store = memory_store()
    rows = store.conn.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "ORDER BY type DESC, name"
    ).fetchall()
    return "\n\n".join(r[0] + ";" for r in rows)


def test_schema_doc_matches_the_migrations():
    text = (DOCS / "schema.md").read_text()
    block = re.search(r"<!-- schema:start -->\n```sql\n(.*)\n```\n<!-- schema:end -->", text, re.S)
    assert block, "docs/schema.md lacks the generated block (run python docs/gen_schema.py)"
    assert block.group(1).strip() == generated_schema().strip(), "run python docs/gen_schema.py"


def test_exit_codes_are_documented():
    from minicrm.core import errors

    cli_md = (DOCS / "cli.md").read_text()
    for name in dir(errors):
        if name.startswith("EXIT_"):
            code = getattr(errors, name)
            assert re.search(rf"\|\s*{code}\s*\|", cli_md), f"exit code {code} not in docs/cli.md"


def test_the_screens_in_cli_md_are_real_runs():
    """docs/cli.md shows tables at 60 and 120 columns as a terminal really shows them
    (run python docs/gen_screens.py after changing what a screen looks like)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_screens", DOCS / "gen_screens.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert text.count("<!-- screen ") >= 18
    assert gen.updated(text, gen.screens()) == text, "run python docs/gen_screens.py"
