"""The layers, checked: CLI -> domain -> store. SQL only in store/, Rich only in render,
Typer only in cli/, and nothing imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "minicrm"


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules():
    for path in SRC.rglob("*.py"):
        yield path.relative_to(SRC).as_posix(), imports(path)


def top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def test_sql_only_in_store():
    for name, found in modules():
        if not (name.startswith("db/") or name.endswith("/queries.py")):
            assert not top(found) & {"sqlite3", "sqlite_utils"}, name


def test_rich_only_in_render():
    for name, found in modules():
        if name != "ui/progress.py":
            assert "rich" not in top(found), name


def test_typer_only_in_cli():
    for name, found in modules():
        if not name.startswith("cli/"):
            assert not top(found) & {"typer", "click"}, name


def test_nothing_imports_the_cli():
    for name, found in modules():
        if not name.startswith("cli/") and name != "__main__.py":
            assert not any(n.startswith("minicrm.cli") for n in found), name


def test_store_imports_no_domain_module():
    domain = {
        "minicrm.contacts.service",
        "minicrm.contacts.companies",
        "minicrm.contacts.refs",
        "minicrm.ui.render",
    }
    for name, found in modules():
        if name.startswith("store/"):
            assert not found & domain, name


def test_cli_runs_no_sql():
    for name, _ in modules():
        if name.startswith("cli/"):
            source = (SRC / name).read_text()
            assert ".query(" not in source and ".execute(" not in source, name


def test_every_command_is_in_the_lazy_loading_table():
    import typer

    from minicrm import cli

    full = typer.main.get_command(cli.app)
    assert set(full.commands) == set(cli.COMMANDS)
    for name in full.commands:
        alone = typer.main.get_command(cli.build_app(name))
        assert name in alone.commands
        assert len(alone.commands) < len(full.commands)


def test_the_command_name_is_found_after_global_options():
    from minicrm.cli import command_name

    assert command_name(["ls", "tag:vip"]) == "ls"
    assert command_name(["--db", "x.db", "--debug", "due"]) == "due"
    assert command_name(["--db=x.db", "show", "jane"]) == "show"
    assert command_name(["--help"]) is None
    assert command_name([]) is None
