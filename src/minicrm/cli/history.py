"""minicrm history, undo and redo."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from minicrm.cli.common import JsonOpt, YesOpt, interactive, paged, resolve_contact, store_of
from minicrm.core.errors import NotFound, Refused

if TYPE_CHECKING:  # annotations only: history loads for the history commands
    from minicrm.db.store import Store
    from minicrm.history.models import ChangeSet, Outcome

# An undo or redo larger than this asks first, on a terminal (never in a script: it can
# itself be taken back with redo or undo).
CONFIRM_ABOVE_ROWS = 100


def register(root: typer.Typer) -> None:
    root.command("history")(history)
    root.command("undo")(undo)
    root.command("redo")(redo)


LimitOpt = Annotated[
    int,
    typer.Option("--limit", "-n", metavar="N", help="At most N change sets (newest first)."),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Check and show what would change; change nothing.")
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        help="Show the command lines and the rows written, table by table, instead of "
        "what was done in words.",
    ),
]


def contact_ref(store: object, ref: str) -> str:
    """A live contact as #id (asking on a terminal if ambiguous), or the reference as
    given, which may name a deleted contact by #id or uid."""
    try:
        return resolve_contact(store, ref)
    except NotFound:
        return ref


def history(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            metavar="[REF]",
            help="Only changes to this contact (a deleted one by #id or uid).",
        ),
    ] = None,
    limit: LimitOpt = 20,
    verbose: VerboseOpt = False,
    json_: JsonOpt = False,
) -> None:
    """List the recorded change sets, newest first: one per command, with what it did."""
    paged(ctx)
    from minicrm.history import changesets  # lazy: start-up
    from minicrm.history.render import print_changesets

    store = store_of(ctx)
    chosen = None if ref is None else contact_ref(store, ref)
    print_changesets(
        changesets.list_changesets(store, chosen, limit=limit),
        "json" if json_ else "table",
        verbose=verbose,
    )


def _ask(targets: list, action: str, yes: bool) -> None:
    from minicrm.history.render import in_words  # lazy: start-up
    from minicrm.ui.render import message
    from minicrm.ui.text import visible

    rows = sum(t.rows for t in targets)
    if yes or rows <= CONFIRM_ABOVE_ROWS or not interactive():
        return
    for t in targets:
        message(f"  {in_words(t)}")
    if not typer.confirm(visible(f"{action} {rows:,} rows?"), default=False, err=True):
        raise Refused("cancelled; nothing was changed")


def undo(
    ctx: typer.Context,
    count: Annotated[
        int,
        typer.Argument(
            metavar="[N]", show_default=False, help="How many change sets to undo (default 1)."
        ),
    ] = 1,
    changeset: Annotated[
        int | None,
        typer.Option(
            "--changeset",
            metavar="ID",
            help="Undo this change set (see minicrm history) instead of the newest.",
        ),
    ] = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    verbose: VerboseOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Take back the last N commands that changed data (all of them, or none)."""
    from minicrm.history import service as domain  # lazy: start-up

    _reverse(
        ctx,
        "Undo",
        lambda store: domain.undo_targets(store, count, changeset=changeset),
        lambda store, expect: domain.undo(
            store, count, changeset=changeset, dry_run=dry_run, expect=expect
        ),
        dry_run=dry_run,
        yes=yes,
        verbose=verbose,
        json_=json_,
    )


def redo(
    ctx: typer.Context,
    count: Annotated[
        int,
        typer.Argument(
            metavar="[N]",
            show_default=False,
            help="How many undone change sets to re-apply (default 1).",
        ),
    ] = 1,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    verbose: VerboseOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Re-apply what undo took back (only until another command changes data)."""
    from minicrm.history import service as domain  # lazy: start-up

    _reverse(
        ctx,
        "Redo",
        lambda store: domain.redo_targets(store, count),
        lambda store, expect: domain.redo(store, count, dry_run=dry_run, expect=expect),
        dry_run=dry_run,
        yes=yes,
        verbose=verbose,
        json_=json_,
    )


def _reverse(
    ctx: typer.Context,
    action: str,
    targets: Callable[[Store], list[ChangeSet]],
    run: Callable[[Store, list[int] | None], Outcome],
    *,
    dry_run: bool,
    yes: bool,
    verbose: bool,
    json_: bool,
) -> None:
    """Undo or redo: at a terminal, ask first about a large one (the change sets asked
    about are the ones reversed: ``expect``), then reverse and say what was done."""
    from minicrm.history.render import print_outcome  # lazy: start-up

    store = store_of(ctx)
    expect = None
    if not dry_run and not yes and interactive():
        chosen = targets(store)
        _ask(chosen, action, yes)
        expect = [t.id for t in chosen]
    print_outcome(run(store, expect), "json" if json_ else "table", verbose=verbose)
