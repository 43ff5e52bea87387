"""minicrm config: list, get, set and unset the settings of the config file."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli.common import JsonOpt

app = typer.Typer(
    help="Settings: list them with where each comes from and the file's path; get, set, unset one.",
    invoke_without_command=True,
)

KeyArg = Annotated[
    str, typer.Argument(metavar="KEY", help="A setting, e.g. deals.currency or week.first_day.")
]


@app.callback()
def config(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """Settings: list them with where each comes from and the file's path; get, set,
    unset one.

    `minicrm config` alone lists every setting. The file is $MINICRM_CONFIG, else
    config.toml in the user config folder; `config set` creates it (mode 0600)."""
    if ctx.invoked_subcommand is None:
        _list(json_)


def _list(json_: bool) -> None:
    from minicrm.settings import render, service  # lazy: start-up

    render.print_settings(service.settings(), "json" if json_ else "table")


@app.command("ls")
def ls(json_: JsonOpt = False) -> None:
    """List every setting, its value and where it comes from (file, environment, default)."""
    _list(json_)


@app.command("get")
def get(key: KeyArg, json_: JsonOpt = False) -> None:
    """Print one setting's value (for scripts: just the value)."""
    from minicrm.settings import render, service  # lazy: start-up

    render.print_setting(service.get(key), "json" if json_ else "table")


@app.command("set")
def set_(
    key: KeyArg,
    value: Annotated[
        str,
        typer.Argument(
            metavar="VALUE",
            help="The new value: lists comma-separated (lead, customer), deal stages as "
            "name:probability (lead:10, won:100, lost:0).",
        ),
    ],
    json_: JsonOpt = False,
) -> None:
    """Change a setting in the config file (created if missing); the rest of the file,
    its comments included, is kept as it was."""
    from minicrm.settings import render, service  # lazy: start-up

    setting = service.set_value(key, value)
    render.print_changed(setting, service.settings().path, "json" if json_ else "table")


@app.command("unset")
def unset(key: KeyArg, json_: JsonOpt = False) -> None:
    """Remove a setting from the config file: its default applies again."""
    from minicrm.settings import render, service  # lazy: start-up

    setting = service.unset(key)
    render.print_changed(setting, service.settings().path, "json" if json_ else "table")


@app.command("path")
def path() -> None:
    """Print the config file's path (it may not exist yet)."""
    from minicrm.core.paths import config_path  # lazy: start-up
    from minicrm.ui import render

    found = config_path()
    render.line(str(found) if found else "(none: no home folder; set MINICRM_CONFIG)")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="config")
