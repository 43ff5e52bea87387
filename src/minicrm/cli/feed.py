"""minicrm activity: the feed across all contacts, and the weekly review."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from minicrm.cli.common import JsonOpt, OnOpt, RawOpt, on_when, paged, store_of


class FeedFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"
    tsv = "tsv"


def register(app: typer.Typer) -> None:
    app.command("activity")(activity)


def activity(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            help="From this day on (the date language: mon, 2026-11-01, -2w, last month); "
            "default: the first day of this week.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", metavar="WHEN", help="Up to this day, included; default: today."),
    ] = None,
    week: Annotated[
        str | None,
        typer.Option(
            "--week",
            metavar="this|last",
            help="The whole of this week or last week (weeks start on the config file's "
            "week.first_day).",
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            metavar="KIND",
            help="Only these: note, call, email, meeting, message, done, promised, cancelled, "
            "deal, moved, won, lost, added, or logged, followups, deals, contacts (repeat, or "
            "comma-separated).",
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", "-t", metavar="TAG", help="Only about contacts with this tag (repeat: all)."
        ),
    ] = None,
    contact: Annotated[
        str | None,
        typer.Option("--contact", metavar="REF", help="Only about this contact."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", metavar="N", help="The newest N events only."),
    ] = None,
    fmt: Annotated[
        FeedFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table (default), json, markdown (a weekly review to paste), csv or tsv.",
        ),
    ] = None,
    raw: RawOpt = False,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """What happened, across all contacts, newest first: interactions logged, follow-ups
    done, promised and cancelled, deals added, moved, won and lost, contacts added.

    Without --since or --week: this week so far ("what did I do this week").
    `--week last --format markdown` is the weekly review, ready to paste."""
    from minicrm.core.errors import InvalidInput  # lazy: start-up
    from minicrm.feed import render, service

    if json_ and fmt not in (None, FeedFormat.json):
        raise InvalidInput("--json and --format disagree", hint="give one of them")
    out = "json" if json_ else (fmt.value if fmt else "table")
    when = on_when(on)
    first, last = service.period(since, until, week=week, on=when)
    kinds = service.check_kinds(kind)
    store = store_of(ctx)
    if out == "table":
        paged(ctx)
        service.check_limit(limit)
        render.print_events(
            service.iter_events(
                store,
                since=first,
                until=last,
                kinds=kinds,
                contact=contact,
                tags=tag,
                limit=limit,
            ),
            first,
            last,
        )
        return
    result = service.feed(
        store, since=first, until=last, kinds=kinds, contact=contact, tags=tag, limit=limit
    )
    render.print_feed(result, out, raw=raw)
