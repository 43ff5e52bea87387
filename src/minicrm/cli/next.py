"""minicrm next: what to do now, ranked."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli.common import JsonOpt, OnOpt, on_when, paged, store_of


def register(app: typer.Typer) -> None:
    app.command("next")(next_)


def next_(
    ctx: typer.Context,
    limit: Annotated[
        int,
        typer.Option("--limit", "-n", metavar="N", help="Show the first N items (0: all of them)."),
    ] = 10,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            metavar="KIND",
            help="Only this kind: followup, contact, deal or date (repeat for several).",
        ),
    ] = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """What to do now: overdue and due follow-ups, people past their cadence, deals
    without a next step or past their close date, and birthdays today, most urgent first.

    Each line says what to do and how to reach the person. The urgency is documented in
    docs/cli.md ("minicrm next")."""
    from minicrm.nextup import render, service  # lazy: start-up

    paged(ctx)
    result = service.next_items(store_of(ctx), on=on_when(on), limit=limit, kinds=kind)
    render.print_next(result, "json" if json_ else "table")
