"""``python -m minicrm.cli.summaries``: print :data:`minicrm.cli.summaries.SUMMARIES` as
the full command tree has it (paste it over the table, then run ``ruff format``)."""

from __future__ import annotations

import typer

from minicrm import cli


def generate() -> str:
    """The text of SUMMARIES for the full command tree: the summaries written there, and a
    new command's first sentence (paste it over the table in
    ``minicrm/cli/summaries/__init__.py``, then run
    ``ruff format``)."""
    from typer._click.utils import make_default_short_help  # lazy: start-up

    from minicrm.cli.summaries import SUMMARIES

    known = dict(SUMMARIES)
    group = typer.main.get_command(cli.app)
    rows = [
        f"    ({name!r}, {known.get(name) or make_default_short_help(command.help or '', 10_000)!r}),"
        for name, command in group.commands.items()  # type: ignore[attr-defined]
    ]
    return "\n".join(["SUMMARIES: tuple[tuple[str, str], ...] = (", *rows, ")"]) + "\n"


if __name__ == "__main__":
    print(generate(), end="")
