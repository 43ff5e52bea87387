"""minicrm stats: activity, promises kept, keep-in-touch adherence and the pipeline."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli.common import JsonOpt, OnOpt, on_when, paged, store_of


def register(root: typer.Typer) -> None:
    root.command("stats")(stats)


def stats(
    ctx: typer.Context,
    period: Annotated[
        str,
        typer.Option(
            "--period",
            metavar="PERIOD",
            help="30d, 12w, 6m (ending on the day), quarter or year (to date). Default 12w.",
        ),
    ] = "12w",
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """How you are doing: activity per week, promises kept, keep-in-touch adherence, and
    the pipeline (open value, forecast, win rate, losses). Definitions: docs/stats.md."""
    paged(ctx)
    from minicrm.stats import render as show  # lazy: start-up
    from minicrm.stats import service as domain

    result = domain.compute(store_of(ctx), period_=period, on=on_when(on))
    show.print_stats(result, "json" if json_ else "table")
