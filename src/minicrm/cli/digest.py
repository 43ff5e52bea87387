"""minicrm digest: one message a day with everything that needs the user (for cron)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from minicrm.cli.common import JsonOpt, OnOpt, on_when, paged, store_of
from minicrm.core import validate
from minicrm.core.config import load_config
from minicrm.core.errors import InvalidInput
from minicrm.digest import service as domain
from minicrm.ui import render
from minicrm.ui.text import stdout_is_terminal


class DigestFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    html = "html"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)


def digest(
    ctx: typer.Context,
    days: Annotated[
        int,
        typer.Option(
            "--days",
            metavar="N",
            help="Upcoming follow-ups and dates: the N days after today (0 to 365).",
        ),
    ] = 7,
    deal_days: Annotated[
        int | None,
        typer.Option(
            "--deal-days",
            metavar="N",
            help="Deals closing soon: today and the N days after it (0 to 365; default: --days).",
        ),
    ] = None,
    fmt: Annotated[
        DigestFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text (80 columns; the default), markdown, html (a complete, e-mail-safe "
            "page) or json. Not with --send-to, which sends text and HTML together.",
        ),
    ] = None,
    quiet_if_empty: Annotated[
        bool,
        typer.Option(
            "--quiet-if-empty",
            help="Print (or send) nothing at all when there is nothing to report.",
        ),
    ] = False,
    send_to: Annotated[
        list[str] | None,
        typer.Option(
            "--send-to",
            metavar="ADDRESS",
            help="E-mail the digest (text + HTML) over SMTP instead of printing it; repeatable. Settings: MINICRM_SMTP_* or [smtp] in the config file.",
        ),
    ] = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Everything that needs you today, for cron: overdue, today, coming up, people to get in
    touch with, birthdays, deals that need a step; after a gap, what fell due since the
    last digest."""
    paged(ctx)
    from minicrm.digest import mail  # lazy: start-up
    from minicrm.digest import render as show

    if json_:
        if fmt not in (None, DigestFormat.json):
            raise InvalidInput("--json and --format disagree", hint="give one of them")
        if send_to:
            raise InvalidInput(
                "--json does not apply to --send-to", hint="the e-mail carries both text and HTML"
            )
        fmt = DigestFormat.json
    if send_to and fmt is not None:
        raise InvalidInput(
            "--format does not apply to --send-to", hint="the e-mail carries both text and HTML"
        )
    fmt = fmt or DigestFormat.text
    recipients = [validate.mailbox(address) for address in send_to or []]
    config = mail.settings() if recipients else None  # bad settings: fail before any work
    limit = load_config().digest_limit or None  # [digest] limit; 0 shows every entry
    store = store_of(ctx)
    result = domain.build(store, days=days, deal_days=deal_days, on=on_when(on), limit=limit)
    if result.empty and quiet_if_empty:
        domain.record(store, result, fmt=fmt.value, status="empty")
        return
    if not recipients:
        text = show.render(result, fmt.value)
        domain.record(store, result, fmt=fmt.value, status="printed")
        sys.stdout.write(text)
        return
    assert config is not None
    message = mail.build_message(
        config.sender,
        recipients,
        f"{show.title(result)}: {result.summary()}",
        show.as_text(result),
        show.as_html(result),
    )
    try:
        mail.send(message, config)
    except Exception:
        domain.record(store, result, fmt="email", status="failed", sent_to=recipients)
        raise
    domain.record(store, result, fmt="email", status="sent", sent_to=recipients)
    if stdout_is_terminal():
        render.message(f"Sent the digest to {', '.join(recipients)}")
