"""minicrm search."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli.common import JsonOpt, paged, store_of
from minicrm.search import service as domain
from minicrm.search.render import print_search


def register(app: typer.Typer) -> None:
    app.command("search")(search)


def search(
    ctx: typer.Context,
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="QUERY...",
            help='Words, pric*, "a phrase", AND/OR/NOT, ( ), and field terms tag:, company:, stage:, email:, phone:, name:.',
        ),
    ],
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", help="At most this many contacts.")
    ] = 20,
    json_: JsonOpt = False,
) -> None:
    """Full-text search over contacts, notes and follow-ups, best match first, grouped by
    contact. Accents and case do not matter."""
    paged(ctx)
    results = domain.search(store_of(ctx), " ".join(words), limit=limit)
    print_search(results, "json" if json_ else "table")
