"""Tag commands: tag, untag, and the keep-in-touch cadence of a tag (tag cadence)."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli.common import JsonOpt, paged, resolve_contact, store_of
from minicrm.contacts import tags as domain
from minicrm.core.errors import InvalidInput
from minicrm.ui import render
from minicrm.ui.machine import write_json


def register(app: typer.Typer) -> None:
    app.command("tag")(tag)
    app.command("untag")(untag)


def tag(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="The contact (or the word ls, or cadence).")
    ],
    tags: Annotated[list[str] | None, typer.Argument(metavar="TAG...", help="Tags to add.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Add tags to a contact. `minicrm tag ls` lists the tags with how many contacts have
    each. `minicrm tag cadence TAG CADENCE` sets a keep-in-touch cadence for everyone with
    TAG (a contact's own wins); `minicrm tag cadence` lists them."""
    store = store_of(ctx)
    if ref == "ls" and not tags:
        paged(ctx)
        _tag_ls(store, json_)
        return
    if ref == "cadence":
        if not tags:
            paged(ctx)
        _tag_cadence(store, tags or [], json_)
        return
    if not tags:
        raise InvalidInput("no tag given", hint="e.g. minicrm tag jane vip")
    for change in domain.change_tags(store, [resolve_contact(store, ref)], add=tags):
        if json_:
            write_json(change.contact.to_dict())
        else:
            render.line(_tag_line(change))


def _tag_ls(store: object, json_: bool) -> None:
    items = domain.tag_counts(store)  # type: ignore[arg-type]
    if json_:
        write_json([t.to_dict() for t in items])
    elif not items:
        render.nothing("No contact has a tag yet (minicrm tag REF TAG adds one).")
    else:
        render.print_table(
            ("tag", "contacts", "archived", "every"),
            [
                [
                    t.tag,
                    t.contacts,
                    t.archived or "",
                    f"{t.cadence_days}d" if t.cadence_days else "",
                ]
                for t in items
            ],
        )


def _tag_cadence(store: object, args: list[str], json_: bool) -> None:
    if not args:
        items = domain.tag_cadences(store)  # type: ignore[arg-type]
        if json_:
            write_json([c.to_dict() for c in items])
        elif not items:
            render.nothing("No tag has a keep-in-touch cadence.")
        else:
            render.print_table(("tag", "every"), [[c.tag, f"{c.cadence_days}d"] for c in items])
        return
    if len(args) != 2:
        raise InvalidInput(
            "expected: minicrm tag cadence TAG CADENCE",
            hint="e.g. minicrm tag cadence vip 14d (none removes it)",
        )
    result, changed = domain.set_tag_cadence(store, args[0], args[1])  # type: ignore[arg-type]
    if json_:
        write_json(result.to_dict() if result else None)
    elif result is None:
        name = args[0].lstrip("#").casefold()
        render.line(
            f"Removed the keep-in-touch cadence of tag {name}"
            if changed
            else f"Tag {name} has no keep-in-touch cadence; nothing to remove"
        )
    elif changed:
        render.line(f"Set: contacts tagged {result.tag} every {result.cadence_days} days")
    else:
        render.line(f"Contacts tagged {result.tag}: every {result.cadence_days} days already")


def untag(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The contact.")],
    tags: Annotated[list[str], typer.Argument(metavar="TAG...", help="Tags to remove.")],
) -> None:
    """Remove tags from a contact."""
    store = store_of(ctx)
    for change in domain.change_tags(store, [resolve_contact(store, ref)], remove=tags):
        render.line(_tag_line(change))


def _tags(tags: tuple[str, ...]) -> str:
    return f"tag{'s' if len(tags) != 1 else ''} {', '.join(tags)}"


def _tag_line(change: domain.TagChange) -> str:
    """What `tag`/`untag` did, and the tags the contact has now: ``Removed tag hot from #3
    Maria González; tags now: lead, spain`` (never a bare list that could read as the
    tags removed)."""
    c = change.contact
    who = f"#{c.id} {c.name}"
    now = ", ".join(c.tags)
    if not change.changed:
        if change.present:
            return f"{who} already has {_tags(change.present)}"
        return f"{who} has no {_tags(change.absent)}; " + (f"tags: {now}" if now else "no tags")
    if change.added:
        text = f"Added {_tags(change.added)} to {who}"
        if change.present:
            text += f" (it had {_tags(change.present)})"
    else:
        text = f"Removed {_tags(change.removed)} from {who}"
        if change.absent:
            text += f" (it had no {_tags(change.absent)})"
    return text + "; " + (f"tags now: {now}" if now else "no tags left")
