"""Database commands: db path."""

from __future__ import annotations

import typer

app = typer.Typer(help="The database file: where it is.", no_args_is_help=True)


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print the path of the database in use (without creating it)."""
    from minicrm.cli import state

    print(state(ctx).db_path)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
