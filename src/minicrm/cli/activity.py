"""Timeline and follow-up commands: log, notes, interaction, follow, followup, done,
snooze, reopen, cancel."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.activity import followups, interactions
from minicrm.activity import render as show
from minicrm.cli.common import (
    FormatOpt,
    JsonOpt,
    OnOpt,
    RawOpt,
    YesOpt,
    confirm,
    interactive,
    on_when,
    open_editor,
    output_format,
    paged,
    read_text,
    resolve_contact,
    store_of,
)
from minicrm.core.errors import InvalidInput

interaction_app = typer.Typer(
    help="Interactions (the timeline): list, show, edit, remove.", no_args_is_help=True
)
followup_app = typer.Typer(help="Follow-ups: list, show, edit, remove.", no_args_is_help=True)

IdArg = Annotated[str, typer.Argument(metavar="ID", help="Follow-up id (12 or #12).")]
InteractionIdArg = Annotated[str, typer.Argument(metavar="ID", help="Interaction id (12 or #12).")]
WithOpt = Annotated[
    list[str] | None,
    typer.Option("--with", "-w", metavar="REF", help="Another contact who took part (repeatable)."),
]
AtPastOpt = Annotated[
    str | None,
    typer.Option(
        "--at", metavar="WHEN", help='When it happened, e.g. "yesterday 3pm" (default: now).'
    ),
]
DueOpt = Annotated[
    str | None,
    typer.Option(
        "--due",
        "-d",
        metavar="WHEN",
        help='Due day, e.g. "next fri", dec 5, +3d, 2026-12-04 (default: today).',
    ),
]
TimeOpt = Annotated[
    str | None,
    typer.Option("--at", metavar="TIME", help="Due time, e.g. 9am or 14:30 (default: all day)."),
]
EveryOpt = Annotated[
    str | None,
    typer.Option(
        "--every", metavar="RULE", help='Repeat: 2w, month, weekday, "mon,thu", 3m, or RRULE:...'
    ),
]
UntilOpt = Annotated[
    str | None, typer.Option("--until", metavar="WHEN", help="Last day the repetition may fall on.")
]
CountOpt = Annotated[
    int | None, typer.Option("--count", metavar="N", help="Repeat N times in all.")
]
PriorityOpt = Annotated[str | None, typer.Option("--priority", help="low, normal or high.")]
NotesOpt = Annotated[str | None, typer.Option("--notes", help="Details of the follow-up.")]
DealOpt = Annotated[
    str | None,
    typer.Option(
        "--deal", metavar="ID", help="The deal it concerns (its contact, if REF is left out)."
    ),
]


def register(app: typer.Typer) -> None:
    app.command("log")(log)
    app.command("notes")(notes)
    app.command("follow")(follow)
    app.command("done")(done)
    app.command("snooze")(snooze)
    app.command("reopen")(reopen)
    app.command("cancel")(cancel)
    app.add_typer(interaction_app, name="interaction")
    app.add_typer(followup_app, name="followup")


# -- the timeline -----------------------------------------------------------------------


def log(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="The contact (may be left out with --deal).")
    ],
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[KIND] TEXT",
            help="Optional kind (note, call, email, meeting, message) and the text; - reads the text from stdin.",
        ),
    ] = None,
    with_: WithOpt = None,
    at: AtPastOpt = None,
    deal: DealOpt = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Log a note, call, email, meeting or message with a contact (or about a deal)."""
    words = list(words or [])
    if deal is not None and (not words or (len(words) == 1 and ref.lower() in interactions.KINDS)):
        # `log --deal 3 TEXT` or `log --deal 3 KIND TEXT`: with the deal's contact
        words = [ref, *words]
        ref = ""
    if not words:
        raise InvalidInput(
            "expected REF [KIND] TEXT", hint='minicrm log jane call "Talked pricing"'
        )
    if len(words) == 1 and words[0].lower() in interactions.KINDS:
        # `log sam call`: the kind, and the text is missing
        kind, text = words[0], _text_from_editor(ctx, ref, words[0], deal)
    elif len(words) == 1:
        kind, text = "note", read_text(words[0])
    elif len(words) == 2:
        kind, text = words
        if kind.lower() not in interactions.KINDS:
            raise InvalidInput(
                f"unknown interaction kind {kind!r}",
                hint=f"one of: {', '.join(interactions.KINDS)}; quote the text if it has spaces",
            )
        text = read_text(text)
    else:
        raise InvalidInput(
            f"expected [KIND] TEXT, got {len(words)} words",
            hint='quote the text: minicrm log jane call "Talked pricing"',
        )
    store = store_of(ctx)
    people = [resolve_contact(store, r) for r in ([ref] if ref else []) + list(with_ or [])]
    item = interactions.log(store, people, text, kind_=kind, at=at, deal=deal, on=on_when(on))
    if json_:
        show.print_interaction(item, "json")
    else:
        names = ", ".join(c.name for c in item.contacts)
        show.line(f"Logged {item.kind} #{item.id} with {names}")


def _text_from_editor(ctx: typer.Context, ref: str, kind: str, deal: str | None) -> str:
    """The text of `log REF KIND` given without one: from $EDITOR at a terminal (a
    template of comments, as `git commit` does; an empty text aborts), else refused."""
    from minicrm.core.errors import Refused

    shown = f"{ref} " if ref else f"--deal {deal} "
    if not interactive():
        raise InvalidInput(
            f"no text after the kind {kind.lower()!r}",
            hint=f'give it: minicrm log {shown}{kind.lower()} "TEXT", or - to read it from '
            "stdin; at a terminal $EDITOR opens",
        )
    store = store_of(ctx)
    if ref:
        from minicrm.contacts import service as contacts

        who = "with " + contacts.get_contact(store, resolve_contact(store, ref)).name
    else:
        who = f"about deal #{deal}"
    template = (
        f"\n# The {kind.lower()} {who}: write what happened above.\n"
        "# Lines starting with # are ignored; an empty text logs nothing.\n"
    )
    edited = open_editor(template)
    text = "\n".join(
        line for line in (edited or "").splitlines() if not line.startswith("#")
    ).strip()
    if not text:
        raise Refused("the text is empty; nothing was logged")
    return text


def notes(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The contact.")],
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", help="At most this many (newest first).")
    ] = None,
    json_: JsonOpt = False,
    fmt: FormatOpt = None,
    raw: RawOpt = False,
) -> None:
    """List a contact's interactions, newest first."""
    paged(ctx)
    out = output_format(json_, fmt)
    store = store_of(ctx)
    show.print_interactions(
        interactions.list_for_contact(store, resolve_contact(store, ref), limit=limit), out, raw=raw
    )


@interaction_app.command("ls")
def interaction_ls(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The contact.")],
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", help="At most this many (newest first).")
    ] = None,
    json_: JsonOpt = False,
    fmt: FormatOpt = None,
    raw: RawOpt = False,
) -> None:
    """List a contact's interactions, newest first (the same as minicrm notes)."""
    paged(ctx)
    notes(ctx, ref, limit, json_, fmt, raw)


@interaction_app.command("show")
def interaction_show(
    ctx: typer.Context, interaction_id: InteractionIdArg, json_: JsonOpt = False
) -> None:
    """Show one interaction in full."""
    paged(ctx)
    show.print_interaction(
        interactions.get(store_of(ctx), interaction_id), "json" if json_ else "table"
    )


@interaction_app.command("edit")
def interaction_edit(
    ctx: typer.Context,
    interaction_id: InteractionIdArg,
    text: Annotated[
        str | None, typer.Option("--text", help="New text; - reads it from stdin.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="note, call, email, meeting or message.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", metavar="WHEN", help='When it happened instead, e.g. "monday 10am".'),
    ] = None,
    with_: WithOpt = None,
    without: Annotated[
        list[str] | None,
        typer.Option("--without", metavar="REF", help="Remove a contact from it (repeatable)."),
    ] = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Change an interaction's text, kind, time or contacts."""
    if text is None and kind is None and at is None and not with_ and not without:
        raise InvalidInput(
            "nothing to change", hint="give --text, --kind, --at, --with or --without"
        )
    store = store_of(ctx)
    item, changed = interactions.edit(
        store,
        interaction_id,
        text=None if text is None else read_text(text),
        kind_=kind,
        at=at,
        add_refs=[resolve_contact(store, r) for r in with_ or []],
        remove_refs=[resolve_contact(store, r) for r in without or []],
        on=on_when(on),
    )
    if json_:
        show.print_interaction(item, "json")
    else:
        show.line(f"{'Updated' if changed else 'No change to'} interaction #{item.id}")


@interaction_app.command("rm")
def interaction_rm(
    ctx: typer.Context, interaction_id: InteractionIdArg, yes: YesOpt = False
) -> None:
    """Delete an interaction (asks first on a terminal; scripts must pass --yes)."""
    store = store_of(ctx)
    if not yes:
        item = interactions.get(store, interaction_id)
        confirm(f"Delete {item.kind} #{item.id} ({item.summary[:60]})?", yes)
    gone = interactions.remove(store, interaction_id)
    show.line(f"Deleted interaction #{gone.id}")


# -- follow-ups -------------------------------------------------------------------------


def follow(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="The contact (may be left out with --deal).")
    ],
    title: Annotated[
        str | None, typer.Argument(metavar="TITLE", help='What to do, e.g. "Send proposal".')
    ] = None,
    due: DueOpt = None,
    at: TimeOpt = None,
    every: EveryOpt = None,
    until: UntilOpt = None,
    count: CountOpt = None,
    from_done: Annotated[
        bool,
        typer.Option(
            "--from-done",
            help="Schedule each repetition from when the last was done, not from its due date.",
        ),
    ] = False,
    priority: PriorityOpt = None,
    notes_: NotesOpt = None,
    deal: DealOpt = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Promise a follow-up to a contact, due on a day or at a time, maybe repeating."""
    store = store_of(ctx)
    if title is None:
        if deal is None:
            raise InvalidInput(
                "give the contact and the title", hint='minicrm follow jane "Send proposal"'
            )
        contact, title = None, ref  # `follow --deal 3 TITLE`: for the deal's contact
    else:
        contact = resolve_contact(store, ref)
    item = followups.add_followup(
        store,
        contact,
        title,
        deal=deal,
        due=due,
        at=at,
        every=every,
        until=until,
        count=count,
        from_done=from_done,
        priority_=priority or "normal",
        notes=notes_,
        on=on_when(on),
    )
    if json_:
        show.print_followup(item, "json")
    else:
        show.followup_line("Follow-up", item)


@followup_app.command("ls")
def followup_ls(
    ctx: typer.Context,
    contact: Annotated[
        str | None, typer.Option("--contact", metavar="REF", help="Only this contact's.")
    ] = None,
    status: Annotated[
        str, typer.Option("--status", help="open (default), done, cancelled or all.")
    ] = "open",
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="At most this many.")] = None,
    json_: JsonOpt = False,
    fmt: FormatOpt = None,
    raw: RawOpt = False,
) -> None:
    """List follow-ups in due order (open ones unless --status)."""
    paged(ctx)
    out = output_format(json_, fmt)
    store = store_of(ctx)
    items = followups.list_followups(
        store,
        status=status.lower(),
        contact=resolve_contact(store, contact) if contact else None,
        limit=limit,
    )
    show.print_followups(items, out, raw=raw)


@followup_app.command("show")
def followup_show(ctx: typer.Context, followup_id: IdArg, json_: JsonOpt = False) -> None:
    """Show one follow-up in full."""
    paged(ctx)
    show.print_followup(
        followups.get_followup(store_of(ctx), followup_id), "json" if json_ else "table"
    )


@followup_app.command("edit")
def followup_edit(
    ctx: typer.Context,
    followup_id: IdArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    due: Annotated[
        str | None,
        typer.Option(
            "--due", "-d", metavar="WHEN", help="New due day (re-anchors a repeating series)."
        ),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", metavar="TIME", help='Due time; "" makes it all-day.')
    ] = None,
    every: Annotated[
        str | None,
        typer.Option("--every", metavar="RULE", help="New repetition rule; none stops repeating."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", metavar="WHEN", help="Last day of the repetition; none removes the limit."
        ),
    ] = None,
    count: CountOpt = None,
    from_done: Annotated[
        bool | None,
        typer.Option(
            "--from-done/--from-due",
            help="Schedule repetitions from completion or from the due date.",
        ),
    ] = None,
    priority: PriorityOpt = None,
    notes_: Annotated[
        str | None, typer.Option("--notes", help='New details; "" clears them.')
    ] = None,
    contact: Annotated[
        str | None,
        typer.Option("--contact", metavar="REF", help="Move it to another contact."),
    ] = None,
    deal: Annotated[
        str | None,
        typer.Option("--deal", metavar="ID", help='Link it to a deal ("" unlinks).'),
    ] = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Change a follow-up: title, due date or time, repetition, priority, notes, contact, deal."""
    if all(
        v is None
        for v in (title, due, at, every, until, count, from_done, priority, notes_, contact, deal)
    ):
        raise InvalidInput(
            "nothing to change", hint="give --title, --due, --at, --every, --priority, ..."
        )
    store = store_of(ctx)
    item, changed = followups.edit_followup(
        store,
        followup_id,
        title=title,
        due=due,
        at=at,
        every=every,
        until=until,
        count=count,
        from_done=from_done,
        priority_=priority,
        notes=notes_,
        contact=resolve_contact(store, contact) if contact else contact,
        deal=deal,
        on=on_when(on),
    )
    if json_:
        show.print_followup(item, "json")
    else:
        show.followup_line("Updated" if changed else "No change to", item)


@followup_app.command("rm")
def followup_rm(ctx: typer.Context, followup_id: IdArg, yes: YesOpt = False) -> None:
    """Delete a follow-up (asks first on a terminal; scripts must pass --yes)."""
    store = store_of(ctx)
    if not yes:
        item = followups.get_followup(store, followup_id)
        confirm(f"Delete follow-up #{item.id} {item.title}?", yes)
    gone = followups.remove_followup(store, followup_id)
    show.line(f"Deleted follow-up #{gone.id} {gone.title}")


def done(
    ctx: typer.Context,
    followup_id: IdArg,
    note: Annotated[
        str | None,
        typer.Option(
            "--note", help="What happened; logged as a note with the contact (- reads stdin)."
        ),
    ] = None,
    from_done: Annotated[
        bool | None,
        typer.Option(
            "--from-done/--from-due",
            help="This time, schedule the next repetition from today or from the due date.",
        ),
    ] = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Mark a follow-up done; a repeating one gets its next occurrence."""
    result = followups.complete(
        store_of(ctx),
        followup_id,
        note=None if note is None else read_text(note),
        from_done=from_done,
        on=on_when(on),
    )
    if json_:
        show.write_json(
            {
                "done": result.done.to_dict(),
                "next": result.next.to_dict() if result.next else None,
                "note_id": result.note_id,
            }
        )
        return
    show.followup_line("Done", result.done)
    if result.next:
        show.followup_line("Next", result.next)


def snooze(
    ctx: typer.Context,
    followup_id: IdArg,
    when: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[WHEN]",
            help="The new day (and time), e.g. tue, fri 2pm, +3d (default: tomorrow).",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            "-u",
            metavar="WHEN",
            help='The same as WHEN, e.g. mon, "tomorrow 9am", +3d.',
        ),
    ] = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Put a follow-up off until a later day: tomorrow, or the day given (it keeps its time
    unless a time is given)."""
    if when and until is not None:
        raise InvalidInput(
            "the new day is given twice (WHEN and --until)", hint="give it once: snooze ID tue"
        )
    new_day = " ".join(when) if when else until
    item = followups.snooze(store_of(ctx), followup_id, new_day, on=on_when(on))
    if json_:
        show.print_followup(item, "json")
    else:
        show.followup_line("Snoozed", item)


def reopen(ctx: typer.Context, followup_id: IdArg, json_: JsonOpt = False) -> None:
    """Open a done or cancelled follow-up again."""
    item = followups.reopen(store_of(ctx), followup_id)
    if json_:
        show.print_followup(item, "json")
    else:
        show.followup_line("Reopened", item)


def cancel(
    ctx: typer.Context,
    followup_id: IdArg,
    stop: Annotated[
        bool,
        typer.Option(
            "--stop",
            help="For a repeating follow-up: end the series here instead of skipping to the next occurrence.",
        ),
    ] = False,
    on: OnOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Cancel an open follow-up (kept, marked cancelled); a repeating one skips to its next."""
    result = followups.cancel(store_of(ctx), followup_id, stop=stop, on=on_when(on))
    if json_:
        show.write_json(
            {
                "cancelled": result.done.to_dict(),
                "next": result.next.to_dict() if result.next else None,
            }
        )
        return
    show.followup_line("Cancelled", result.done)
    if result.next:
        show.followup_line("Next", result.next)
