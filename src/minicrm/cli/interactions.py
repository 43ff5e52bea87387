"""Timeline commands: log, notes, and the interaction group (ls, show, edit, rm)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from minicrm.activity import interactions
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
    edit_until_valid,
    interactive,
    on_when,
    output_format,
    paged,
    read_text,
    resolve_contact,
    store_of,
)
from minicrm.core.errors import InvalidInput, Refused

interaction_app = typer.Typer(
    help="Interactions (the timeline): list, show, edit, remove.", no_args_is_help=True
)

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


def register(app: typer.Typer) -> None:
    app.command("log")(log)
    app.command("notes")(notes)
    app.add_typer(interaction_app, name="interaction")


def log(
    ctx: typer.Context,
    ref: OptionalRefArg = None,
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
    ref = ref or ""
    if (
        deal is not None
        and ref
        and (not words or (len(words) == 1 and ref.lower() in interactions.KINDS))
    ):
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
    template of comments, as `git commit` does: who it is with, and the last interaction
    with them; an empty text aborts; a text that cannot be stored reopens the editor with
    the error at the top), else refused (exit 2)."""

    shown = f"{ref} " if ref else f"--deal {deal} "
    if not interactive():
        raise InvalidInput(
            f"no text after the kind {kind.lower()!r}",
            hint=f'give it: minicrm log {shown}{kind.lower()} "TEXT", or - to read it from '
            "stdin; at a terminal $EDITOR opens",
        )
    store = store_of(ctx)
    contact_id: str | None = None
    if ref:
        from minicrm.contacts import reading as contacts  # lazy: start-up

        contact_id = resolve_contact(store, ref)
        person = contacts.get_contact(store, contact_id)
        who = "with " + person.name + (f" <{person.emails[0].value}>" if person.emails else "")
    else:
        from minicrm.deals import service as deals  # lazy: start-up

        found = deals.get_deal(store, deal or "")
        who = f"about deal #{found.id} {found.title}"
        if found.contact is not None:
            who += f", with {found.contact.name}"
            contact_id = str(found.contact.id)
    lines = [
        "",
        f"# The {kind.lower()} {who}: write what happened above.",
        "# Lines starting with # are ignored; an empty text logs nothing.",
    ]
    last = interactions.list_for_contact(store, contact_id, limit=1) if contact_id else []
    if last:
        from minicrm.core import dates  # lazy: start-up

        day = dates.local_datetime(last[0].occurred_at).strftime("%Y-%m-%d %H:%M")
        lines += ["#", f"# The last interaction: {last[0].kind}, {day}"]
        lines += [f"#   {line}".rstrip() for line in last[0].body.splitlines()[:20]]

    def checked(edited: str) -> str:
        text = "\n".join(line for line in edited.splitlines() if not line.startswith("#"))
        return interactions.body(text.strip())

    text = edit_until_valid("\n".join(lines) + "\n", checked)
    if text is None:
        raise Refused("the text is empty; nothing was logged")
    return text


def notes(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The contact.")],
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", metavar="N", help="At most this many (newest first)."),
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
        int | None,
        typer.Option("--limit", "-n", metavar="N", help="At most this many (newest first)."),
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
        str | None, typer.Option("--text", metavar="TEXT", help="New text; - reads it from stdin.")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", metavar="KIND", help="note, call, email, meeting or message."),
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
    """Change an interaction's text, kind, time or contacts (with no option, at a
    terminal: in $EDITOR)."""
    store = store_of(ctx)
    if text is None and kind is None and at is None and not with_ and not without:
        if not interactive():
            raise InvalidInput(
                "nothing to change",
                hint="give --text, --kind, --at, --with or --without, or run it at a terminal "
                "to edit the interaction in $EDITOR",
            )
        item, changed = _edit_interaction_in_editor(store, interaction_id, on_when(on))
    else:
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


def _edit_interaction_in_editor(store: object, interaction_id: str, on: object) -> tuple[Any, bool]:
    """The interaction's form in $EDITOR until it saves (an error reopens the editor)."""
    from minicrm.activity import editforms  # lazy: start-up

    item = interactions.get(store, interaction_id)  # type: ignore[arg-type]

    def apply(text: str) -> tuple[Any, bool]:
        changes = editforms.interaction_changes(item, text)
        add: list[str] = []
        remove: list[str] = []
        if "with" in changes:
            wanted = [resolve_contact(store, r) for r in changes.pop("with")]
            had = [f"#{c.id}" for c in item.contacts]
            add = [r for r in dict.fromkeys(wanted) if r not in had]
            remove = [r for r in had if r not in wanted]
        if not changes and not add and not remove:
            return item, False
        return interactions.edit(
            store,  # type: ignore[arg-type]
            item.id,
            add_refs=add,
            remove_refs=remove,
            on=on,  # type: ignore[arg-type]
            **changes,
        )

    result = edit_until_valid(editforms.interaction_form(item), apply)
    return result if result is not None else (item, False)


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
