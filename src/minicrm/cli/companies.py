"""Company commands: company add, ls, show, edit, rm."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli.common import (
    FormatOpt,
    JsonOpt,
    PageFormatOpt,
    RawOpt,
    YesOpt,
    confirm,
    output_format,
    paged,
    store_of,
)
from minicrm.contacts import companies as domain
from minicrm.contacts.render import print_companies
from minicrm.core.errors import InvalidInput
from minicrm.ui import render
from minicrm.ui.machine import write_json

app = typer.Typer(help="Companies: add, list, show, edit, remove.", no_args_is_help=True)

RefArg = Annotated[str, typer.Argument(metavar="COMPANY", help="Company id (3 or #3) or name.")]
DomainOpt = Annotated[
    str | None,
    typer.Option("--domain", metavar="DOMAIN", help='Web domain, e.g. acme.io ("" clears).'),
]
NotesOpt = Annotated[
    str | None, typer.Option("--notes", metavar="TEXT", help='Free-form notes ("" clears).')
]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Company name (unique, case-insensitive).")
    ],
    domain_: Annotated[
        str | None, typer.Option("--domain", metavar="DOMAIN", help="Web domain, e.g. acme.io.")
    ] = None,
    notes: Annotated[
        str | None, typer.Option("--notes", metavar="TEXT", help="Free-form notes.")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Add a company."""
    company = domain.add_company(store_of(ctx), name, domain=domain_, notes=notes)
    if json_:
        write_json(company.to_dict())
    else:
        render.line(f"Added company #{company.id} {company.name}")


@app.command("ls")
def ls(
    ctx: typer.Context, json_: JsonOpt = False, fmt: FormatOpt = None, raw: RawOpt = False
) -> None:
    """List companies with how many contacts each has."""
    paged(ctx)
    print_companies(domain.list_companies(store_of(ctx)), output_format(json_, fmt), raw=raw)


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            metavar="COMPANY",
            help="Company id (3 or #3), name, or domain (acme.io: the company with that domain, "
            "else the one whose people have emails there).",
        ),
    ],
    timeline: Annotated[
        int,
        typer.Option(
            "--timeline", metavar="N", help="Show the latest N interactions (0 to 10000)."
        ),
    ] = 10,
    json_: JsonOpt = False,
    fmt: PageFormatOpt = None,
) -> None:
    """Show a company's page: its people, their open follow-ups, its deals and their
    totals, the timeline across its people, the last contact and its domain."""
    from minicrm.company_page import render as page_render  # lazy: start-up
    from minicrm.company_page import service as page

    paged(ctx)
    out = output_format(json_, fmt, lists=False)
    page_render.print_company_page(page.company_page(store_of(ctx), ref, timeline=timeline), out)


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: RefArg,
    name: Annotated[str | None, typer.Option("--name", metavar="NAME", help="New name.")] = None,
    domain_: DomainOpt = None,
    notes: NotesOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Rename a company or change its domain or notes."""
    if name is None and domain_ is None and notes is None:
        raise InvalidInput("nothing to change", hint="give --name, --domain or --notes")
    company, changed = domain.edit_company(
        store_of(ctx), ref, name=name, domain=domain_, notes=notes
    )
    if json_:
        write_json(company.to_dict())
    else:
        render.line(
            f"{'Updated' if changed else 'No change to'} company #{company.id} {company.name}"
        )


@app.command("rm")
def rm(ctx: typer.Context, ref: RefArg, yes: YesOpt = False) -> None:
    """Delete a company; its contacts are kept, without a company."""
    store = store_of(ctx)
    if not yes:
        company = domain.get_company(store, ref)
        ref = f"#{company.id}"
        confirm(
            f"Delete company #{company.id} {company.name}"
            f" ({company.contact_count} contacts keep existing, without a company)?",
            yes,
        )
    company, unlinked = domain.remove_company(store, ref)
    unlinked_text = "1 contact" if unlinked == 1 else f"{unlinked} contacts"
    render.line(f"Deleted company #{company.id} {company.name}; {unlinked_text} unlinked")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="company")
