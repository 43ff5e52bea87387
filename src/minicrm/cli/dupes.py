"""Duplicates: dupes (list likely pairs, mark or unmark "not a duplicate") and merge."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from minicrm.cli.common import (
    JsonOpt,
    YesOpt,
    confirm,
    interactive,
    paged,
    resolve_contact,
    store_of,
)
from minicrm.core.errors import InvalidInput
from minicrm.dupes import merging
from minicrm.dupes import render as show
from minicrm.dupes import service as domain


class Keep(StrEnum):
    a = "a"
    b = "b"


def register(root: typer.Typer) -> None:
    root.command("dupes")(dupes)
    root.command("merge")(merge)


def dupes(
    ctx: typer.Context,
    refs_: Annotated[
        list[str] | None,
        typer.Argument(metavar="[A B]", help="Two contacts, with --ignore or --unignore."),
    ] = None,
    ignore: Annotated[
        bool, typer.Option("--ignore", help='Mark contacts A and B "not a duplicate".')
    ] = False,
    unignore: Annotated[
        bool, typer.Option("--unignore", help='Forget that A and B are "not a duplicate".')
    ] = False,
    ignored: Annotated[
        bool, typer.Option("--ignored", help='List the pairs marked "not a duplicate".')
    ] = False,
    min_score: Annotated[
        float,
        typer.Option("--min-score", metavar="S", help="Only pairs scoring at least S (0 to 1)."),
    ] = domain.DEFAULT_MIN_SCORE,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", metavar="N", help="At most this many pairs (best first)."),
    ] = None,
    archived: Annotated[
        bool, typer.Option("--archived", help="Look at archived contacts too.")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """List likely duplicate contacts, best first, with a score and the reasons."""
    paged(ctx)
    store = store_of(ctx)
    fmt = "json" if json_ else "table"
    refs_ = refs_ or []
    if sum((ignore, unignore, ignored)) > 1:
        raise InvalidInput("give one of --ignore, --unignore and --ignored")
    if ignore or unignore:
        if len(refs_) != 2:
            raise InvalidInput(
                f"--{'ignore' if ignore else 'unignore'} needs two contacts",
                hint="e.g. minicrm dupes --ignore 12 40",
            )
        first, second = (resolve_contact(store, r) for r in refs_)
        if ignore:
            pair, changed = domain.ignore_pair(store, first, second)
            show.print_ignore(pair, changed, fmt)
        else:
            show.print_unignore(domain.unignore_pair(store, first, second), fmt)
        return
    if refs_:
        raise InvalidInput(
            "contacts are given only with --ignore or --unignore",
            hint="e.g. minicrm dupes --ignore 12 40",
        )
    if ignored:
        show.print_ignored(domain.ignored_pairs(store), fmt)
        return
    pairs = domain.find_pairs(store, min_score=min_score, limit=limit, archived=archived)
    show.print_pairs(pairs, fmt)


def merge(
    ctx: typer.Context,
    first: Annotated[str, typer.Argument(metavar="A", help="The contact that stays.")],
    second: Annotated[str, typer.Argument(metavar="B", help="The contact merged into A.")],
    keep: Annotated[
        Keep, typer.Option("--keep", help="Which one survives: a (default) or b.")
    ] = Keep.a,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the field-by-field result; change nothing.")
    ] = False,
    json_: JsonOpt = False,
    yes: YesOpt = False,
) -> None:
    """Merge contact B into A: fields combined, B's interactions, follow-ups and deals
    moved to A, then B deleted (asks first on a terminal; scripts must pass --yes)."""
    store = store_of(ctx)
    fmt = "json" if json_ else "table"
    a, b = resolve_contact(store, first), resolve_contact(store, second)
    if keep == Keep.b:
        a, b = b, a
    if dry_run:
        show.print_merge(merging.merge_contacts(store, a, b, dry_run=True), fmt)
        return
    expected = None
    plan_shown = False
    if not yes:
        expected = merging.plan_merge(store, a, b)
        if interactive() and fmt != "json":
            show.print_plan(expected)
            plan_shown = True
        confirm(
            f"Merge #{expected.merged.id} {expected.merged.name} into "
            f"#{expected.survivor.id} {expected.survivor.name} and delete #{expected.merged.id}?",
            yes,
            action="merge",
        )
    result = merging.merge_contacts(store, a, b, expected=expected)
    show.print_merge(result, fmt, plan_shown=plan_shown)
