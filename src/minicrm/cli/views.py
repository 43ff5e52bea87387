"""The daily views: due, agenda, stale, birthdays."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from minicrm.activity import render as show
from minicrm.activity import views
from minicrm.cli.common import JsonOpt, OnOpt, on_when, paged, store_of
from minicrm.core import dates


def register(app: typer.Typer) -> None:
    app.command("due")(due)
    app.command("agenda")(agenda)
    app.command("stale")(stale)
    app.command("birthdays")(birthdays)


def due(ctx: typer.Context, on: OnOpt = None, json_: JsonOpt = False) -> None:
    """What is overdue or due today, most overdue first, with how to reach each contact."""
    paged(ctx)
    with dates.zone_pinned():  # $TZ read once, not for each of 4,400 rows
        show.print_due(views.iter_due(store_of(ctx), on=on_when(on)), "json" if json_ else "table")


def agenda(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option("--days", metavar="N", help="Today and the N days after it (0 to 365).")
    ] = 7,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Follow-ups for the coming days, grouped by day (overdue ones first).

    Then the meetings with contacts that `capture calendar` found in your calendars."""
    paged(ctx)
    when = on_when(on)
    store = store_of(ctx)
    items = views.agenda(store, days=days, on=when)
    meetings = [] if json_ else _meetings(store, days, when)
    if items or not meetings:
        show.print_agenda(items, "json" if json_ else "table", dates.today(when))
    if meetings:
        from minicrm.capture import render as captured  # lazy: start-up

        captured.print_meetings(meetings)


def _meetings(store: Any, days: int, when: Any) -> list[Any]:
    """The upcoming meetings `capture calendar` kept, from now to the window's end."""
    from datetime import datetime, time, timedelta  # lazy: start-up

    from minicrm.capture import events as capture  # only here: agenda's own imports stay few

    now = dates.local_now(when)
    last = dates.window_end(now.date(), days)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=now.tzinfo)
    return list(capture.upcoming_meetings(store, now, end))


def stale(ctx: typer.Context, on: OnOpt = None, json_: JsonOpt = False) -> None:
    """Contacts past their keep-in-touch cadence, most overdue first."""
    paged(ctx)
    with dates.zone_pinned():  # $TZ read once, not for each of 13,000 rows
        show.print_stale(
            views.iter_stale(store_of(ctx), on=on_when(on)), "json" if json_ else "table"
        )


def birthdays(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option("--days", metavar="N", help="Today and the N days after it (0 to 365).")
    ] = 30,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Birthdays and important dates coming up, with the age when the year is known."""
    paged(ctx)
    show.print_birthdays(
        views.birthdays(store_of(ctx), days=days, on=on_when(on)), "json" if json_ else "table"
    )
