"""Rendering of deals and the pipeline board: rows, cards and columns handed to
:mod:`minicrm.ui.render`. Amounts are shown from their integer minor units (``12,000.00 EUR``), never through a float."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from minicrm.activity.models import FollowUp
from minicrm.activity.render import (
    FOLLOWUP_COLUMNS,
    followup_due,
    followup_line,
    followup_row,
    followup_title,
    local_or_blank,
    print_interaction_table,
)
from minicrm.core import dates, money
from minicrm.deals.models import Deal, DealPage
from minicrm.deals.pipeline import NO_NEXT_STEP, OVERDUE_CLOSE, Board, BoardItem, MoneyTotal
from minicrm.deals.service import Closing
from minicrm.ui.machine import write_delimited, write_json
from minicrm.ui.render import line, message, nothing, print_card, print_table
from minicrm.ui.screen import Column, Styled
from minicrm.ui.terminal import write_wrapped
from minicrm.ui.text import stdout_is_terminal, visible

FLAG_TEXT = {NO_NEXT_STEP: "no next step", OVERDUE_CLOSE: "close date passed"}


def _figure(minor: int, code: str) -> str:
    """An amount that a line is never broken inside (U+00A0 between number and code)."""
    return money.show(minor, code).replace(" ", "\xa0")


def amount(deal: Deal) -> str:
    return money.show(deal.amount_minor, deal.currency)


def party(deal: Deal) -> str:
    """Who the deal is with: contact, company, or both."""
    names = [deal.contact.name if deal.contact else "", deal.company.name if deal.company else ""]
    return " / ".join(n for n in names if n)


def _money_totals(items: Sequence[MoneyTotal], show: Callable[[int, str], str] = money.show) -> str:
    return "; ".join(
        f"{show(t.total_minor, t.currency)} (weighted {show(t.weighted_minor, t.currency)})"
        for t in items
    )


# -- lists ------------------------------------------------------------------------------

DEAL_COLUMNS = (
    Column("id", whole=True),
    Column("stage", whole=True, drop=2),
    Column("title", least=14),
    Column("with", drop=1, least=10),
    Column("value", whole=True, right=True),
    Column("prob", whole=True, right=True, drop=4),
    Column("close", whole=True, drop=3),
)
DEAL_CSV_COLUMNS = (
    "id",
    "uid",
    "title",
    "contact_id",
    "contact",
    "company_id",
    "company",
    "stage",
    "status",
    "value",
    "currency",
    "probability",
    "weighted_value",
    "close_date",
    "lost_reason",
    "created_at",
    "updated_at",
    "closed_at",
)


def deal_row(deal: Deal) -> list[object]:
    row: list[object] = [
        deal.id,
        deal.stage,
        deal.title,
        party(deal),
        amount(deal),
        f"{deal.effective_probability}%",
        deal.closed_on or deal.close_date or "",  # a closed deal: the day it closed
    ]
    # an open deal whose close date has passed
    if deal.status == "open" and deal.close_date and deal.close_date < dates.today().isoformat():
        row[6] = Styled(deal.close_date, "red")
    return row


def print_deals(items: Sequence[Deal], fmt: str, *, raw: bool = False) -> None:
    if fmt == "json":
        write_json([d.to_dict() for d in items])
    elif fmt in ("csv", "tsv"):
        write_delimited(
            DEAL_CSV_COLUMNS,
            (
                [
                    d.id,
                    d.uid,
                    d.title,
                    d.contact.id if d.contact else "",
                    d.contact.name if d.contact else "",
                    d.company.id if d.company else "",
                    d.company.name if d.company else "",
                    d.stage,
                    d.status,
                    d.value,
                    d.currency,
                    d.effective_probability,
                    money.format_minor(d.weighted_minor, d.currency),
                    d.close_date,
                    d.lost_reason,
                    d.created_at,
                    d.updated_at,
                    d.closed_at,
                ]
                for d in items
            ),
            tsv=fmt == "tsv",
            raw=raw,
        )
    elif not items:
        nothing("No deals match.")
    else:
        print_table(DEAL_COLUMNS, (deal_row(d) for d in items))


def _followup_text(f: FollowUp) -> str:
    return f"#{f.id} {followup_title(f)}, due {followup_due(f)}"


def open_followups_question(deal: Deal, stage: str, pending: Sequence[FollowUp]) -> str:
    """At a terminal, before a deal is won or lost: its open follow-ups (on stderr), and
    the question to ask about them."""
    n = len(pending)
    message(
        f"Deal #{deal.id} {deal.title} has {n} open follow-up{'s' if n != 1 else ''}; "
        f"once it is {stage} {'they' if n != 1 else 'it'} would stay open:"
    )
    for f in pending:
        message(f"  {_followup_text(f)}")
    return visible(f"Cancel {'them' if n != 1 else 'it'}?")


def closing_followups(closing: Closing, *, json_: bool, asked: bool) -> None:
    """After a deal is closed: the follow-ups cancelled with it (stdout, not with --json),
    or, unless the user was asked or chose, those that stay open (a note on stderr)."""
    if closing.cancelled and not json_:
        for f in closing.cancelled:
            followup_line("Cancelled", f)
    if closing.still_open and not asked:
        n = len(closing.still_open)
        message(
            f"note: deal #{closing.deal.id} is {closing.deal.stage}; {n} of its follow-ups "
            f"stay{'s' if n == 1 else ''} open: "
            + "; ".join(_followup_text(f) for f in closing.still_open)
            + f" (minicrm deal {closing.deal.stage} {closing.deal.id} --close-followups "
            "cancels them, or cancel each: minicrm cancel ID)"
        )


def deal_line(verb: str, deal: Deal) -> None:
    who = f" with {party(deal)}" if party(deal) else ""
    line(f"{verb} deal #{deal.id} {deal.title}{who}: {amount(deal)}, {deal.stage}")


# -- one deal ---------------------------------------------------------------------------


def deal_card(deal: Deal) -> list[tuple[str, str]]:
    pairs = [("ID", f"#{deal.id}"), ("Title", deal.title)]
    if deal.contact:
        pairs.append(("Contact", f"#{deal.contact.id} {deal.contact.name}"))
    if deal.company:
        pairs.append(("Company", f"#{deal.company.id} {deal.company.name}"))
    source = "set on the deal" if deal.to_dict()["probability_from"] == "deal" else "stage default"
    pairs += [
        ("Value", amount(deal)),
        ("Stage", deal.stage),
        ("Probability", f"{deal.effective_probability}% ({source})"),
        ("Weighted", money.show(deal.weighted_minor, deal.currency)),
    ]
    if deal.status != "open":
        pairs.append((f"{deal.status.capitalize()} on", local_or_blank(deal.closed_at)))
    if deal.close_date:
        pairs.append(("Expected close", deal.close_date))
    if deal.lost_reason:
        pairs.append(("Lost because", deal.lost_reason))
    pairs += [
        ("Created", local_or_blank(deal.created_at)),
        ("Updated", local_or_blank(deal.updated_at)),
    ]
    return pairs


def print_deal(deal: Deal, fmt: str) -> None:
    if fmt == "json":
        write_json(deal.to_dict())
    else:
        print_card(f"Deal #{deal.id}", deal_card(deal))


def print_deal_page(page: DealPage, fmt: str) -> None:
    if fmt == "json":
        write_json(page.to_dict())
        return
    print_card(f"Deal #{page.deal.id}", deal_card(page.deal))
    print_table(
        (Column("when", whole=True), Column("from", least=8), Column("to", least=8)),
        [
            [local_or_blank(c.changed_at), c.from_stage or "(created)", c.to_stage]
            for c in page.stage_changes
        ],
        title="Stage changes",
    )
    if page.followups:
        now = dates.local_now()
        print_table(
            [FOLLOWUP_COLUMNS[i] for i in (0, 1, 2, 5)],
            [[r[i] for i in (0, 1, 2, 5)] for r in (followup_row(f, now) for f in page.followups)],
            title="Follow-ups",
        )
    if page.interactions:
        print_interaction_table(page.interactions, title="Interactions")


def print_contact_deals(items: Sequence[Deal]) -> None:
    """The Deals section of a contact's page (open first)."""
    if items:
        print_table(
            [DEAL_COLUMNS[i] for i in (0, 1, 2, 4, 5, 6)],
            [[r[0], r[1], r[2], r[4], r[5], r[6]] for r in map(deal_row, items)],
            title="Deals",
        )


# -- the board --------------------------------------------------------------------------


def _flags(item: BoardItem) -> str:
    return ", ".join(FLAG_TEXT[f] for f in item.flags)


def _stage_heading(name: str, probability: int | None, count: int) -> str:
    chance = f" ({probability}%)" if probability is not None else " (not configured)"
    return f"{name}{chance}: {count} deal{'s' if count != 1 else ''}"


def print_pipeline(board: Board, fmt: str) -> None:
    if fmt == "json":
        write_json(board.to_dict())
        return
    if not board.items:
        nothing("No open deals.")
        return
    if stdout_is_terminal():
        from minicrm.ui.board import BoardColumn, write_board  # lazy: start-up

        stages = []
        for column in board.stages:
            cards = []
            for item in column.items:
                deal = item.deal
                card: list[tuple[str, str | None]] = [(f"#{deal.id} {deal.title}", "bold")]
                if party(deal):
                    card.append((f"  {party(deal)}", None))
                card.append(
                    (
                        f"  {_figure(deal.amount_minor, deal.currency)} · "
                        f"{deal.effective_probability}%",
                        None,
                    )
                )
                if deal.close_date:
                    card.append((f"  close {deal.close_date}", None))
                if item.flags:
                    card.append((f"  ! {_flags(item)}", "red"))
                cards.append(card)
            stages.append(
                BoardColumn(
                    heading=_stage_heading(column.name, column.probability, len(column.items)),
                    totals=[
                        f"{_figure(t.total_minor, t.currency)}, weighted "
                        f"{_figure(t.weighted_minor, t.currency)}"
                        for t in column.totals
                    ],
                    cards=cards,
                )
            )
        write_board(stages)
        line("")
        write_wrapped("Open pipeline: " + _money_totals(board.totals, _figure))
        return
    for column in board.stages:
        heading = _stage_heading(column.name, column.probability, len(column.items))
        if column.totals:
            heading += ", " + _money_totals(column.totals)
        print_table(
            ("id", "title", "with", "value", "prob", "close", "flags"),
            [
                [
                    i.deal.id,
                    i.deal.title,
                    party(i.deal),
                    amount(i.deal),
                    f"{i.deal.effective_probability}%",
                    i.deal.close_date or "",
                    _flags(i),
                ]
                for i in column.items
            ],
            title=heading,
        )
    line("")
    line("Open pipeline: " + _money_totals(board.totals))
