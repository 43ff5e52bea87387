"""The edit command: change a contact's fields with options, or in $EDITOR as a text form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from minicrm.cli.common import JsonOpt, edit_until_valid, interactive, resolve_contact, store_of
from minicrm.cli.contacts import (
    BirthdayOpt,
    EveryOpt,
    FamilyOpt,
    GivenOpt,
    Multi,
    NicknameOpt,
    SetOpt,
    SourceOpt,
    StageOpt,
    TitleOpt,
    fields_given,
    note_shared_emails,
)
from minicrm.contacts import reading
from minicrm.contacts import service as domain
from minicrm.contacts.service import ContactChanges
from minicrm.core.errors import InvalidInput
from minicrm.ui import render
from minicrm.ui.machine import write_json

if TYPE_CHECKING:  # annotations only
    from minicrm.contacts.models import Contact
    from minicrm.db.store import Store


def register(app: typer.Typer) -> None:
    app.command("edit")(edit)


def edit(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="Id (12 or #12), email, or part of the name.")
    ],
    name: Annotated[
        str | None, typer.Option("--name", metavar="NAME", help="New display name.")
    ] = None,
    company: Annotated[
        str | None,
        typer.Option(
            "--company", "-c", metavar="COMPANY", help='Company (created if new); "" removes it.'
        ),
    ] = None,
    title: TitleOpt = None,
    stage: StageOpt = None,
    birthday: BirthdayOpt = None,
    every: EveryOpt = None,
    source: SourceOpt = None,
    nickname: NicknameOpt = None,
    notes: Annotated[
        str | None,
        typer.Option("--notes", metavar="TEXT", help='Notes about the person ("" clears).'),
    ] = None,
    given: GivenOpt = None,
    family: FamilyOpt = None,
    add_email: Annotated[
        Multi,
        typer.Option("--add-email", metavar="[LABEL:]EMAIL", help="Add an email (repeatable)."),
    ] = None,
    rm_email: Annotated[
        Multi, typer.Option("--rm-email", metavar="EMAIL", help="Remove this email (repeatable).")
    ] = None,
    add_phone: Annotated[
        Multi,
        typer.Option(
            "--add-phone", metavar="[LABEL:]PHONE", help="Add a phone number (repeatable)."
        ),
    ] = None,
    rm_phone: Annotated[
        Multi, typer.Option("--rm-phone", metavar="PHONE", help="Remove this phone (repeatable).")
    ] = None,
    add_url: Annotated[
        Multi, typer.Option("--add-url", metavar="[LABEL:]URL", help="Add a URL (repeatable).")
    ] = None,
    rm_url: Annotated[
        Multi, typer.Option("--rm-url", metavar="URL", help="Remove this URL (repeatable).")
    ] = None,
    add_address: Annotated[
        Multi,
        typer.Option(
            "--add-address", metavar="[LABEL:]ADDRESS", help="Add a postal address (repeatable)."
        ),
    ] = None,
    rm_address: Annotated[
        Multi,
        typer.Option("--rm-address", metavar="ADDRESS", help="Remove this address (repeatable)."),
    ] = None,
    add_date: Annotated[
        Multi,
        typer.Option(
            "--add-date", metavar="[LABEL:]DATE", help="Add an important yearly date (repeatable)."
        ),
    ] = None,
    rm_date: Annotated[
        Multi,
        typer.Option("--rm-date", metavar="DATE", help="Remove this date, as shown (repeatable)."),
    ] = None,
    tag: Annotated[
        Multi, typer.Option("--tag", "-t", metavar="TAG", help="Add this tag (repeatable).")
    ] = None,
    untag: Annotated[
        Multi, typer.Option("--untag", metavar="TAG", help="Remove this tag (repeatable).")
    ] = None,
    set_: SetOpt = None,
    unset: Annotated[
        Multi,
        typer.Option(
            "--unset", metavar="KEY", help="Clear a field or remove a custom field (repeatable)."
        ),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Change a contact's fields, emails, phones, URLs, addresses, tags or custom fields.

    With no options, on a terminal, opens $VISUAL or $EDITOR on the contact as a text form.
    """
    changes = ContactChanges(
        fields=fields_given(
            name=name,
            company=company,
            title=title,
            stage=stage,
            birthday=birthday,
            every=every,
            source=source,
            nickname=nickname,
            notes=notes,
            given=given,
            family=family,
        ),
        add={
            "emails": add_email or [],
            "phones": add_phone or [],
            "urls": add_url or [],
            "addresses": add_address or [],
            "dates": add_date or [],
        },
        remove={
            "emails": rm_email or [],
            "phones": rm_phone or [],
            "urls": rm_url or [],
            "addresses": rm_address or [],
            "dates": rm_date or [],
        },
        add_tags=tag or [],
        remove_tags=untag or [],
    )
    changes.set_assignments(set_ or [])
    changes.set_assignments(f"{key}=" for key in unset or [])
    store = store_of(ctx)
    if changes.is_empty():
        if not interactive():
            raise InvalidInput(
                "nothing to change",
                hint="give what to change, e.g. --title CTO, or run on a terminal to use $EDITOR",
            )
        contact, changed = _edit_in_editor(store, resolve_contact(store, ref))
    else:
        contact, changed = domain.update_contact(store, resolve_contact(store, ref), changes)
    if json_:
        write_json(contact.to_dict())
    else:
        render.line(f"{'Updated' if changed else 'No change to'} #{contact.id} {contact.name}")
    note_shared_emails(store, contact)


def _edit_in_editor(store: Store, ref: str) -> tuple[Contact, bool]:
    """Open $VISUAL/$EDITOR on the contact's text form; apply what changed.

    No transaction is open while the editor runs. A form that does not parse or holds a
    bad value reopens the editor with the error at the top (minicrm.cli.common
    .edit_until_valid); no file is left behind. The save refuses if the contact changed
    meanwhile: then, and only then, the edited text is kept in a file the message names.
    """
    from minicrm.contacts import editform  # lazy: start-up
    from minicrm.core.errors import Conflict  # lazy: start-up

    original = reading.get_contact(store, ref)

    def apply(text: str) -> tuple[Contact, bool]:
        changes = editform.parse_form(original, text)
        try:
            return domain.update_contact(store, ref, changes, expected=original)
        except Conflict as exc:
            kept = _keep_text(text, original.id)
            exc.hint = f"{exc.hint + '; ' if exc.hint else ''}your edit is kept in {kept}"
            raise

    result = edit_until_valid(editform.to_form(original), apply)
    return result if result is not None else (original, False)


def _keep_text(text: str, contact_id: int) -> str:
    import os
    import tempfile

    fd, path = tempfile.mkstemp(prefix=f"minicrm-edit-{contact_id}-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
