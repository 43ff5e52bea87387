"""Docs cannot drift: every command has help and a section in docs/cli.md; the schema in
docs/schema.md is the one the migrations build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from minicrm.cli import app
from minicrm.store.db import memory_store

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
    if hasattr(command, "commands"):
        return
    cli_md = (DOCS / "cli.md").read_text()
    assert re.search(rf"^### minicrm {re.escape(path)}$", cli_md, re.M), (
        f"{path} missing in docs/cli.md"
    )


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
    from minicrm import errors

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
