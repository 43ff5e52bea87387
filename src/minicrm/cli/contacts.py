"""Contact commands: add, ls, show, archive, unarchive, rm (edit is in cli/edit.py, tag and
untag in cli/tags.py). The options shared by add and edit are defined here."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from minicrm.cli.common import (
    CompanyFilterOpt,
    FormatOpt,
    JsonOpt,
    OnOpt,
    PageFormatOpt,
    RawOpt,
    StageFilterOpt,
    TagFilterOpt,
    YesOpt,
    confirm,
    on_when,
    output_format,
    paged,
    resolve_contact,
    store_of,
)
from minicrm.contacts import reading
from minicrm.contacts import service as domain
from minicrm.contacts.render import print_contact_page, print_contacts
from minicrm.contacts.service import ContactChanges
from minicrm.core import dates
from minicrm.core.errors import InvalidInput
from minicrm.ui import render
from minicrm.ui.machine import write_json

Multi = list[str] | None

EmailOpt = Annotated[
    Multi,
    typer.Option(
        "--email", "-e", metavar="[LABEL:]EMAIL", help="Email (repeatable), e.g. work:jane@acme.io."
    ),
]
PhoneOpt = Annotated[
    Multi,
    typer.Option(
        "--phone",
        "-p",
        metavar="[LABEL:]PHONE",
        help="Phone number (repeatable), e.g. mobile:+1 555 0100.",
    ),
]
UrlOpt = Annotated[
    Multi,
    typer.Option(
        "--url",
        metavar="[LABEL:]URL",
        help="Web or social profile URL (repeatable), e.g. linkedin:https://linkedin.com/in/jane.",
    ),
]
AddressOpt = Annotated[
    Multi,
    typer.Option(
        "--address",
        metavar="[LABEL:]ADDRESS",
        help='Postal address (repeatable), e.g. "home:1 Main St, Springfield".',
    ),
]
TagOpt = Annotated[Multi, typer.Option("--tag", "-t", metavar="TAG", help="Tag (repeatable).")]
SetOpt = Annotated[
    Multi,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Set a field (title=CTO) or a custom field (linkedin_id=jdoe); an empty VALUE clears it. Repeatable.",
    ),
]
CompanyOpt = Annotated[
    str | None, typer.Option("--company", "-c", metavar="COMPANY", help="Company (created if new).")
]
TitleOpt = Annotated[str | None, typer.Option("--title", metavar="TITLE", help="Job title.")]
StageOpt = Annotated[
    str | None,
    typer.Option(
        "--stage",
        metavar="STAGE",
        help="Stage: lead, prospect, customer, partner, former (configurable).",
    ),
]
BirthdayOpt = Annotated[
    str | None,
    typer.Option("--birthday", metavar="DATE", help="1990-05-17, --05-17 or may 17 (no year)."),
]
EveryOpt = Annotated[
    str | None,
    typer.Option(
        "--every",
        metavar="CADENCE",
        help="Keep-in-touch cadence: 30d, 2w, 3m (90 days), 1y; none clears.",
    ),
]
SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--source",
        metavar="SOURCE",
        help="Where the contact came from (referral, conference, ...).",
    ),
]
NicknameOpt = Annotated[str | None, typer.Option("--nickname", metavar="NAME", help="Nickname.")]
GivenOpt = Annotated[
    str | None, typer.Option("--given", metavar="NAME", help="Given (first) name.")
]
FamilyOpt = Annotated[
    str | None, typer.Option("--family", metavar="NAME", help="Family (last) name.")
]


def fields_given(**values: str | None) -> dict[str, str]:
    return {name: value for name, value in values.items() if value is not None}


def register(app: typer.Typer) -> None:
    app.command("add")(add)
    app.command("ls")(ls)
    app.command("show")(show)
    app.command("archive")(archive)
    app.command("unarchive")(unarchive)
    app.command("rm")(rm)


def note_shared_emails(store: object, contact: object) -> None:
    for email, other_id, other_name in reading.contacts_sharing_emails(store, contact):  # type: ignore[arg-type]
        render.message(f"note: {email} is also an email of #{other_id} {other_name}")


def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help='Display name, e.g. "Jane Doe".')],
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    url: UrlOpt = None,
    address: AddressOpt = None,
    date_: Annotated[
        Multi,
        typer.Option(
            "--date",
            metavar="[LABEL:]DATE",
            help="An important yearly date, e.g. anniversary:2015-06-20 (repeatable).",
        ),
    ] = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    tag: TagOpt = None,
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
    set_: SetOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Add a contact."""
    changes = ContactChanges(
        fields=fields_given(
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
            "emails": email or [],
            "phones": phone or [],
            "urls": url or [],
            "addresses": address or [],
            "dates": date_ or [],
        },
        add_tags=tag or [],
    )
    changes.set_assignments(set_ or [])
    store = store_of(ctx)
    contact = domain.add_contact(store, name, changes)
    if json_:
        write_json(contact.to_dict())
    else:
        render.line(f"Added #{contact.id} {contact.name}")
    note_shared_emails(store, contact)
    _note_namesakes(store, contact)


def _note_namesakes(store: object, contact: object) -> None:
    """The same name (and company) already there: as likely a duplicate as a shared email."""
    for row, same_company in reading.namesakes(store, contact):  # type: ignore[arg-type]
        who = f"#{row['id']} {row['display_name']}"
        if same_company:
            render.message(f"note: {who} at {row['company_name']} has the same name and company")
        elif row["company_name"]:
            render.message(f"note: {who} ({row['company_name']}) has the same name")
        else:
            render.message(f"note: {who} has the same name")


def ls(
    ctx: typer.Context,
    terms: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[TERM]...",
            help="Field terms (tag:vip, company:acme, stage:lead, email:@acme.io, stale:yes, "
            "archived:all, deal:open) and words that names or emails must contain.",
        ),
    ] = None,
    tag: TagFilterOpt = None,
    company: CompanyFilterOpt = None,
    stage: StageFilterOpt = None,
    archived: Annotated[bool, typer.Option("--archived", help="Only archived contacts.")] = False,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Archived contacts too.")] = False,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            metavar="KEY",
            help="name, id, created, updated, company, stage, last-contacted or next-due "
            "(the table shows the column it sorts by).",
        ),
    ] = "name",
    reverse: Annotated[bool, typer.Option("--reverse", "-r", help="Reverse the order.")] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", metavar="N", help="At most this many.")
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            metavar="COL,...",
            help="The table's columns, comma-separated, from id, name, company, title, email, "
            "phone, tags, stage, last-contacted, next-due (default: all but title and "
            "last-contacted; the column of --sort is always shown).",
        ),
    ] = None,
    on: OnOpt = None,
    json_: JsonOpt = False,
    fmt: FormatOpt = None,
    raw: RawOpt = False,
) -> None:
    """List contacts, filtered by field terms and words (archived ones are hidden unless
    --archived, --all or archived:all)."""
    paged(ctx)
    out = output_format(json_, fmt)
    if archived and all_:
        raise InvalidInput("--archived and --all disagree", hint="give one of them")
    # A table shows one line per contact: read just that (one query), as it is drawn. JSON
    # and CSV carry every field, so they read whole contacts.
    from minicrm.contacts import render as contacts_render  # lazy: start-up

    shown = _ls_columns(columns, sort.lower())
    extra: dict[str, object] = {}
    listing: Any
    if out in ("json", "csv", "tsv"):
        if columns is not None:
            raise InvalidInput(
                "--columns chooses the table's columns", hint="JSON and CSV carry every field"
            )
        listing = reading.list_contacts
    else:
        listing = reading.iter_contact_lines
        extra["next_due"] = "next-due" in shown
    found = listing(
        store_of(ctx),
        **extra,
        terms=terms or [],
        tags=tag or [],
        company=company,
        stage=stage,
        archived=None if all_ else archived,
        sort=sort.lower(),
        reverse=reverse,
        limit=limit,
        on=on_when(on),
    )
    if out in ("csv", "tsv"):
        from minicrm.interchange.formats import minicrm_csv  # lazy: start-up

        minicrm_csv.write_contacts(found, out, raw=raw)
    else:
        print_contacts(
            found, out, columns=shown, keep=contacts_render.SORT_COLUMNS.get(sort.lower())
        )


def _ls_columns(value: str | None, sort: str) -> tuple[str, ...]:
    """--columns as names of LS_COLUMNS (the default without it); the column of the sort
    is added when it is not there, so the order can be seen."""
    from minicrm.contacts import render as contacts_render  # lazy: start-up

    if value is None:
        chosen = list(contacts_render.DEFAULT_LS_COLUMNS)
    else:
        chosen = []
        for word in (w.strip().lower().replace("_", "-") for w in value.split(",")):
            if not word:
                continue
            if word not in contacts_render.LS_COLUMNS:
                raise InvalidInput(
                    f"no column {word!r}",
                    hint="columns: " + ", ".join(contacts_render.LS_COLUMNS),
                )
            if word not in chosen:
                chosen.append(word)
        if not chosen:
            raise InvalidInput("--columns needs a column", hint="e.g. --columns name,email")
    sorted_by = contacts_render.SORT_COLUMNS.get(sort)
    if sorted_by is not None and sorted_by not in chosen:
        chosen.append(sorted_by)
    return tuple(chosen)


def show(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="Id (12 or #12), email, or part of the name.")
    ],
    on: OnOpt = None,
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="Show the contact's recorded changes instead (as minicrm history REF).",
        ),
    ] = False,
    json_: JsonOpt = False,
    fmt: PageFormatOpt = None,
) -> None:
    """Show a contact's page: card, open follow-ups, latest interactions."""
    paged(ctx)
    out = output_format(json_, fmt, lists=False)
    store = store_of(ctx)
    if history:
        from minicrm.history import changesets as changes  # lazy: start-up
        from minicrm.history.render import print_changesets

        print_changesets(changes.contact_history(store, resolve_contact(store, ref)), out)
        return
    page = reading.contact_page(store, resolve_contact(store, ref))
    print_contact_page(page, out, dates.local_now(on_when(on)))


RefsArg = Annotated[list[str], typer.Argument(metavar="REF...", help="One or more contacts.")]


def _archive(ctx: typer.Context, refs_: list[str], archived: bool) -> None:
    store = store_of(ctx)
    resolved = [resolve_contact(store, r) for r in refs_]
    for contact, changed in domain.set_archived(store, resolved, archived):
        who = f"#{contact.id} {contact.name}"
        if changed:
            render.line(f"{'Archived' if archived else 'Unarchived'} {who}")
        else:
            render.line(
                f"{who} is archived already"
                if archived
                else f"{who} is not archived; nothing to do"
            )


def archive(ctx: typer.Context, refs_: RefsArg) -> None:
    """Archive contacts: hidden from ls, kept with all their history."""
    _archive(ctx, refs_, True)


def unarchive(ctx: typer.Context, refs_: RefsArg) -> None:
    """Bring archived contacts back."""
    _archive(ctx, refs_, False)


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _removal_question(contact: object, counts: domain.Dependents) -> str:
    """``Delete #1 Sam Lee with 2 interactions and 1 follow-up? (1 deal stays, without a
    contact)``: what goes with the contact, and what stays."""
    goes = [
        _count(n, thing)
        for n, thing in ((counts.interactions, "interaction"), (counts.followups, "follow-up"))
        if n
    ]
    stays = []
    if counts.shared_interactions:
        thing = _count(counts.shared_interactions, "shared interaction")
        stays.append(
            f"{thing} {'stays' if counts.shared_interactions == 1 else 'stay'} for the others"
        )
    if counts.deals:
        stays.append(
            f"{_count(counts.deals, 'deal')} {'stays' if counts.deals == 1 else 'stay'}, "
            "without a contact"
        )
    text = f"Delete #{contact.id} {contact.name}"  # type: ignore[attr-defined]
    if goes:
        text += " with " + " and ".join(goes)
    text += "?"
    if stays:
        text += f" ({'; '.join(stays)})"
    return text


def rm(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The contact to delete.")],
    yes: YesOpt = False,
) -> None:
    """Delete a contact (asks first on a terminal; scripts must pass --yes)."""
    store = store_of(ctx)
    resolved = resolve_contact(store, ref)
    if not yes:
        contact, counts = domain.dependents(store, resolved)
        confirm(_removal_question(contact, counts), yes)
    removed = domain.remove_contact(store, resolved)
    render.line(f"Deleted #{removed.id} {removed.name}")
