"""``python -m minicrm.cli.summaries``: print :data:`minicrm.cli.summaries.SUMMARIES` as
the full command tree has it (paste it over the table, then run ``ruff format``)."""

from __future__ import annotations

import typer

from minicrm import cli


def generate() -> str:
    """The text of SUMMARIES from the full command tree (paste it over the table in
    ``minicrm/cli/summaries/__init__.py``, then run
    ``ruff format``)."""
    group = typer.main.get_command(cli.app)
    rows = [
        f"    ({name!r}, {(command.help or '').split(chr(10) * 2)[0]!r}),"
        for name, command in group.commands.items()  # type: ignore[attr-defined]
    ]
    return "\n".join(["SUMMARIES: tuple[tuple[str, str], ...] = (", *rows, ")"]) + "\n"


if __name__ == "__main__":
    print(generate(), end="")
