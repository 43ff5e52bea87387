"""Follow-up commands: follow, done, snooze, reopen, cancel, and the followup group (ls,
show, edit, rm)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from minicrm.activity import followups, lifecycle
from minicrm.activity import render as show
from minicrm.cli.common import (
    DealOpt,
    FormatOpt,
    JsonOpt,
    OnOpt,
    OptionalRefArg,
    RawOpt,
    YesOpt,
    confirm,
    edit_record_until_valid,
    interactive,
    on_when,
    output_format,
    paged,
    read_text,
    resolve_contact,
    store_of,
)
from minicrm.core.errors import InvalidInput

followup_app = typer.Typer(help="Follow-ups: list, show, edit, remove.", no_args_is_help=True)

IdArg = Annotated[str, typer.Argument(metavar="ID", help="Follow-up id (12 or #12).")]
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
PriorityOpt = Annotated[
    str | None, typer.Option("--priority", metavar="PRIORITY", help="low, normal or high.")
]
NotesOpt = Annotated[
    str | None, typer.Option("--notes", metavar="TEXT", help="Details of the follow-up.")
]


def register(app: typer.Typer) -> None:
    app.command("follow")(follow)
    app.command("done")(done)
    app.command("snooze")(snooze)
    app.command("reopen")(reopen)
    app.command("cancel")(cancel)
    app.add_typer(followup_app, name="followup")


def follow(
    ctx: typer.Context,
    ref: OptionalRefArg = None,
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
        if ref is None:
            raise InvalidInput("give the title", hint=f'minicrm follow --deal {deal} "Call back"')
        contact, title = None, ref  # `follow --deal 3 TITLE`: for the deal's contact
    else:
        contact = resolve_contact(store, ref or "")
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
        str,
        typer.Option("--status", metavar="STATUS", help="open (default), done, cancelled or all."),
    ] = "open",
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", metavar="N", help="At most this many.")
    ] = None,
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
    title: Annotated[
        str | None, typer.Option("--title", metavar="TITLE", help="New title.")
    ] = None,
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
        str | None, typer.Option("--notes", metavar="TEXT", help='New details; "" clears them.')
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
    """Change a follow-up: title, due date or time, repetition, priority, notes, contact, deal
    (with no option, at a terminal: in $EDITOR)."""
    store = store_of(ctx)
    if all(
        v is None
        for v in (title, due, at, every, until, count, from_done, priority, notes_, contact, deal)
    ):
        if not interactive():
            raise InvalidInput(
                "nothing to change",
                hint="give --title, --due, --at, --every, --priority, ..., or run it at a "
                "terminal to edit the follow-up in $EDITOR",
            )
        item, changed = _edit_followup_in_editor(store, followup_id, on_when(on))
    else:
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


def _edit_followup_in_editor(store: object, followup_id: str, on: object) -> tuple[Any, bool]:
    """The follow-up's form in $EDITOR until it saves (an error reopens the editor)."""
    from minicrm.activity import editforms  # lazy: start-up

    item = followups.get_followup(store, followup_id)  # type: ignore[arg-type]
    return edit_record_until_valid(
        store,
        item,
        editforms.followup_form,
        editforms.followup_changes,
        lambda changes: followups.edit_followup(store, item.id, on=on, **changes),  # type: ignore[arg-type]
    )


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
            "--note",
            metavar="TEXT",
            help="What happened; logged as a note with the contact (- reads stdin).",
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
    result = lifecycle.complete(
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
    item = lifecycle.snooze(store_of(ctx), followup_id, new_day, on=on_when(on))
    if json_:
        show.print_followup(item, "json")
    else:
        show.followup_line("Snoozed", item)


def reopen(ctx: typer.Context, followup_id: IdArg, json_: JsonOpt = False) -> None:
    """Open a done or cancelled follow-up again."""
    item = lifecycle.reopen(store_of(ctx), followup_id)
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
    result = lifecycle.cancel(store_of(ctx), followup_id, stop=stop, on=on_when(on))
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
