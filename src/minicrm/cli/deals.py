"""Deal commands: deal add, ls, show, edit, move, won, lost, rm; and pipeline (the board)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from minicrm.cli.common import (
    FormatOpt,
    JsonOpt,
    OnOpt,
    RawOpt,
    YesOpt,
    confirm,
    edit_record_until_valid,
    interactive,
    on_when,
    output_format,
    paged,
    resolve_contact,
    store_of,
)
from minicrm.core import dateparse, dates
from minicrm.core.config import CLOSED_STAGES
from minicrm.core.errors import InvalidInput
from minicrm.deals import pipeline as board
from minicrm.deals import render as show
from minicrm.deals import service as domain
from minicrm.deals.models import Deal

app = typer.Typer(
    help="Deals: add, list, show, edit, move through the pipeline, win, lose, remove.",
    no_args_is_help=True,
)

IdArg = Annotated[str, typer.Argument(metavar="ID", help="Deal id (3 or #3).")]
ValueOpt = Annotated[
    str | None,
    typer.Option(
        "--value", "-v", metavar="AMOUNT", help="Value, e.g. 12000, 12000.50 or 12,000.50."
    ),
]
CurrencyOpt = Annotated[
    str | None,
    typer.Option(
        "--currency", metavar="CODE", help="ISO 4217 code, e.g. EUR (default: [deals] currency)."
    ),
]
CloseOpt = Annotated[
    str | None,
    typer.Option("--close", metavar="WHEN", help='Expected close date, e.g. "dec 15", +30d.'),
]
CompanyOpt = Annotated[
    str | None,
    typer.Option(
        "--company", "-c", metavar="COMPANY", help="The company (default: the contact's)."
    ),
]
ReasonOpt = Annotated[
    str | None, typer.Option("--reason", metavar="TEXT", help="Why the deal was lost.")
]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="deal")
    root.command("pipeline")(pipeline)


def _contact_and_title(
    ctx: typer.Context, first: str, second: str | None, has_other: bool
) -> tuple[str | None, str]:
    """``REF TITLE``, or just ``TITLE`` when the deal's party comes from an option."""
    store = store_of(ctx)
    if second is None:
        if not has_other:
            raise InvalidInput(
                "give the contact and the title",
                hint='minicrm deal add jane "Website redesign" (or --company ACME "TITLE")',
            )
        return None, first
    return resolve_contact(store, first), second


@app.command("add")
def add(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="The contact (leave out with --company).")
    ],
    title: Annotated[
        str | None, typer.Argument(metavar="TITLE", help='What is sold, e.g. "Website redesign".')
    ] = None,
    value: ValueOpt = None,
    currency: CurrencyOpt = None,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage", "-s", metavar="STAGE", help="Pipeline stage (default: the first configured)."
        ),
    ] = None,
    close: CloseOpt = None,
    probability: Annotated[
        str | None,
        typer.Option(
            "--probability",
            metavar="PERCENT",
            help="Chance to win, 0-100 (default: the stage's).",
        ),
    ] = None,
    company: CompanyOpt = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Add a deal with a contact (and its company), a value and a stage."""
    contact, title_text = _contact_and_title(ctx, ref, title, company is not None)
    deal = domain.add_deal(
        store_of(ctx),
        contact,
        title_text,
        value=value,
        currency=currency,
        stage_=stage,
        close=close,
        probability_=probability,
        company=company,
        on=on_when(on),
    )
    if json_:
        show.print_deal(deal, "json")
    else:
        show.deal_line("Added", deal)


@app.command("ls")
def ls(
    ctx: typer.Context,
    ref: Annotated[
        str | None, typer.Argument(metavar="[REF]", help="Only this contact's deals.")
    ] = None,
    status: Annotated[
        str, typer.Option("--status", metavar="STATUS", help="open (default), won, lost or all.")
    ] = "open",
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", metavar="STAGE", help="Only deals in this stage.")
    ] = None,
    company: Annotated[
        str | None,
        typer.Option("--company", "-c", metavar="COMPANY", help="Only this company's deals."),
    ] = None,
    closing_before: Annotated[
        str | None,
        typer.Option(
            "--closing-before",
            metavar="WHEN",
            help="Only deals with a close date on or before WHEN.",
        ),
    ] = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
    fmt: FormatOpt = None,
    raw: RawOpt = False,
) -> None:
    """List deals: open ones unless --status, in pipeline order, by close date within a stage."""
    paged(ctx)
    out = output_format(json_, fmt)
    store = store_of(ctx)
    before = (
        dateparse.parse_date(closing_before, today=dates.today(on_when(on)))
        if closing_before
        else None
    )
    items = domain.list_deals(
        store,
        status=status,
        stage_=stage,
        contact=resolve_contact(store, ref) if ref else None,
        company=company,
        closing_before=before,
    )
    show.print_deals(items, out, raw=raw)


@app.command("show")
def show_(ctx: typer.Context, deal_id: IdArg, json_: JsonOpt = False) -> None:
    """Show a deal: its card, stage changes with their dates, follow-ups and interactions."""
    paged(ctx)
    show.print_deal_page(domain.deal_page(store_of(ctx), deal_id), "json" if json_ else "table")


@app.command("edit")
def edit(
    ctx: typer.Context,
    deal_id: IdArg,
    title: Annotated[
        str | None, typer.Option("--title", metavar="TITLE", help="New title.")
    ] = None,
    value: ValueOpt = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency", metavar="CODE", help="New currency (the amount is kept unless --value)."
        ),
    ] = None,
    close: Annotated[
        str | None,
        typer.Option("--close", metavar="WHEN", help='New expected close date ("" clears).'),
    ] = None,
    probability: Annotated[
        str | None,
        typer.Option("--probability", metavar="PERCENT", help="0-100, or default for the stage's."),
    ] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", metavar="REF", help='Another contact ("" unlinks).')
    ] = None,
    company: Annotated[
        str | None,
        typer.Option("--company", "-c", metavar="COMPANY", help='Another company ("" unlinks).'),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", metavar="TEXT", help="A lost deal's reason.")
    ] = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Change a deal's title, value, currency, close date, probability, contact or company
    (with no option, at a terminal: in $EDITOR)."""
    given = (title, value, currency, close, probability, contact, company, reason)
    store = store_of(ctx)
    if all(v is None for v in given):
        if not interactive():
            raise InvalidInput(
                "nothing to change",
                hint="give --title, --value, --currency, --close, --probability, --contact, "
                "--company or --reason, or run it at a terminal to edit the deal in $EDITOR; "
                "minicrm deal move changes the stage",
            )
        deal, changed = _edit_deal_in_editor(store, deal_id, on_when(on))
    else:
        deal, changed = domain.edit_deal(
            store,
            deal_id,
            title=title,
            value=value,
            currency=currency,
            close=close,
            probability_=probability,
            contact=resolve_contact(store, contact) if contact else contact,
            company=company,
            reason=reason,
            on=on_when(on),
        )
    if json_:
        show.print_deal(deal, "json")
    else:
        show.deal_line("Updated" if changed else "No change to", deal)


def _edit_deal_in_editor(store: object, deal_id: str, on: object) -> tuple[Any, bool]:
    """The deal's form in $EDITOR until it saves (an error reopens the editor)."""
    from minicrm.deals import editform  # lazy: start-up

    deal = domain.get_deal(store, deal_id)  # type: ignore[arg-type]
    return edit_record_until_valid(
        store,
        deal,
        editform.form,
        editform.changes,
        lambda changes: domain.edit_deal(store, deal.id, on=on, **changes),  # type: ignore[arg-type]
    )


CloseFollowupsOpt = Annotated[
    bool | None,
    typer.Option(
        "--close-followups/--keep-followups",
        help="When this closes the deal (won, lost): cancel its open follow-ups, or keep "
        "them open. Default: ask at a terminal; elsewhere keep them and say so.",
    ),
]


def _moved(deal: Deal, changed: bool, json_: bool) -> None:
    if json_:
        show.print_deal(deal, "json")
    elif changed:
        show.deal_line("Moved" if deal.status == "open" else deal.status.capitalize(), deal)
    else:
        show.line(f"Deal #{deal.id} is already {deal.stage}")


def _close(
    ctx: typer.Context,
    deal_id: str,
    stage: str,
    *,
    reason: str | None,
    close_followups: bool | None,
    on: str | None,
    json_: bool,
) -> None:
    """Move a deal; when that closes it, say which of its follow-ups stay open, or cancel
    them (--close-followups, or yes at a terminal): never silently. The question is asked
    before the one transaction, which holds no lock while it waits."""
    store = store_of(ctx)
    if close_followups is None and interactive():
        current = domain.get_deal(store, deal_id)
        target = domain.stage(stage)
        pending = domain.open_followups(store, deal_id) if target in CLOSED_STAGES else []
        if pending and current.stage != target:
            question = show.open_followups_question(current, target, pending)
            close_followups = typer.confirm(question, default=False, err=True)
    closing = domain.close_deal(
        store,
        deal_id,
        stage,
        reason=reason,
        close_followups=bool(close_followups),
        on=on_when(on),
    )
    _moved(closing.deal, closing.changed, json_)
    show.closing_followups(closing, json_=json_, asked=close_followups is not None)


@app.command("move")
def move(
    ctx: typer.Context,
    deal_id: IdArg,
    stage: Annotated[str, typer.Argument(metavar="STAGE", help="The stage to move it to.")],
    reason: ReasonOpt = None,
    close_followups: CloseFollowupsOpt = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Move a deal to another stage (won or lost closes it; an open stage reopens it)."""
    _close(
        ctx,
        deal_id,
        stage,
        reason=reason,
        close_followups=close_followups,
        on=on,
        json_=json_,
    )


@app.command("won")
def won(
    ctx: typer.Context,
    deal_id: IdArg,
    close_followups: CloseFollowupsOpt = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Mark a deal won (stage won, closed now or --on); says which follow-ups stay open."""
    _close(ctx, deal_id, "won", reason=None, close_followups=close_followups, on=on, json_=json_)


@app.command("lost")
def lost(
    ctx: typer.Context,
    deal_id: IdArg,
    reason: ReasonOpt = None,
    close_followups: CloseFollowupsOpt = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Mark a deal lost, with the reason (stage lost, closed now or --on)."""
    _close(
        ctx,
        deal_id,
        "lost",
        reason=reason,
        close_followups=close_followups,
        on=on,
        json_=json_,
    )


@app.command("rm")
def rm(ctx: typer.Context, deal_id: IdArg, yes: YesOpt = False) -> None:
    """Delete a deal and its stage changes; its follow-ups and interactions stay, unlinked."""
    store = store_of(ctx)
    if not yes:
        deal = domain.get_deal(store, deal_id)
        confirm(f"Delete deal #{deal.id} {deal.title} ({show.amount(deal)})?", yes)
    gone = domain.remove_deal(store, deal_id)
    show.line(f"Deleted deal #{gone.id} {gone.title}")


def pipeline(
    ctx: typer.Context,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """The pipeline board: open deals by stage, with count, total and weighted value per
    currency; flags deals with no next step or a close date in the past."""
    paged(ctx)
    show.print_pipeline(board.board(store_of(ctx), on=on_when(on)), "json" if json_ else "table")
