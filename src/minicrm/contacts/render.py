"""Rendering of contacts and companies: the listing, the card, JSON. minicrm's own CSV of
contacts is :mod:`minicrm.interchange.formats.minicrm_csv`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, Any

from minicrm.contacts.models import Company, Contact, ContactLine
from minicrm.ui.machine import write_delimited, write_json
from minicrm.ui.render import local_time, nothing, print_card, print_table
from minicrm.ui.screen import Column

if TYPE_CHECKING:  # annotations only
    from minicrm.contacts.reading import ContactPage

# The columns `ls --columns` chooses from, in the order the default shows them, each with
# how it behaves on a narrow terminal (the sort's column is never the first to go).
LS_COLUMNS = (
    "id",
    "name",
    "company",
    "title",
    "email",
    "phone",
    "tags",
    "stage",
    "last-contacted",
    "next-due",
)
# Without --columns. last-contacted is shown when ls sorts by it (or --columns names it):
# a stored time shown as a local date needs the time zone, which `ls` (a hot path) does
# not load otherwise.
DEFAULT_LS_COLUMNS = ("id", "name", "company", "email", "phone", "tags", "stage", "next-due")
CONTACT_COLUMNS = ("id", "name", "company", "email", "phone", "tags", "stage")
# the column that shows what --sort sorts by
SORT_COLUMNS = {
    "company": "company",
    "stage": "stage",
    "last-contacted": "last-contacted",
    "next-due": "next-due",
}


def _column_spec(name: str, kept: bool) -> Any:
    specs = {
        "id": Column("id", whole=True),
        "name": Column("name", least=16),
        "company": Column("company", drop=3, least=10),
        "title": Column("title", drop=7, least=8),
        "email": Column("email", whole=True, drop=2),
        "phone": Column("phone", whole=True, drop=4),
        "tags": Column("tags", drop=5, least=8),
        "stage": Column("stage", drop=6, least=8),
        "last-contacted": Column("last contacted", whole=True, drop=8),
        "next-due": Column("next due", whole=True, drop=9),
    }
    spec = specs[name]
    if kept:
        spec.drop = 0
    return spec


def _contact_columns(
    columns: Sequence[str] = CONTACT_COLUMNS, keep: str | None = None
) -> tuple[Any, ...]:
    return tuple(_column_spec(name, name == keep) for name in columns)


def contact_row(c: Contact | ContactLine, columns: Sequence[str] = CONTACT_COLUMNS) -> list[object]:
    company = c.company.name if isinstance(c, Contact) and c.company else c.company
    values: dict[str, object] = {
        "id": c.id,
        "name": c.name + (" (archived)" if c.archived else ""),
        "company": company or "",
        "email": c.email or "",
        "phone": c.phone or "",
        "tags": ", ".join(c.tags),
        "stage": c.stage or "",
    }
    if "title" in columns:
        values["title"] = c.title or ""
    if "last-contacted" in columns:
        values["last-contacted"] = (
            local_time(c.last_contacted_at)[:10] if c.last_contacted_at else ""
        )
    if "next-due" in columns:
        due = getattr(c, "next_due", None)
        values["next-due"] = due.replace("T", " ") if due else ""
    return [values[name] for name in columns]


def _whole(c: Contact | ContactLine) -> Contact:
    if not isinstance(c, Contact):
        raise TypeError("JSON listings need whole contacts (list_contacts)")
    return c


def print_contacts(
    contacts: Iterable[Contact | ContactLine],
    fmt: str,
    *,
    columns: Sequence[str] = CONTACT_COLUMNS,
    keep: str | None = None,
) -> None:
    """A listing as JSON (whole :class:`Contact` records) or a table (either kind, also as
    they come: a terminal's first screen need not wait for the last contact) of
    ``columns`` (names of :data:`LS_COLUMNS`; ``keep``: the one that goes last on a narrow
    terminal). CSV and TSV are :func:`minicrm.interchange.formats.minicrm_csv.write_contacts`."""
    if fmt == "json":
        write_json([_whole(c).to_dict() for c in contacts])
    else:
        rows = iter(contacts)
        first = next(rows, None)
        if first is None:
            nothing("No contacts match.")
            return
        print_table(
            _contact_columns(columns, keep),
            (contact_row(c, columns) for c in chain((first,), rows)),
        )


def _yearly(value: str) -> str:
    """A stored yearly date for people: 1990-05-17 as is, --05-17 as 05-17 (no year)."""
    return value[2:] + " (no year)" if value.startswith("--") else value


def contact_card_lines(c: Contact) -> list[tuple[str, str]]:
    """(label, value) pairs of a contact's card, in display order; empty ones left out."""
    pairs: list[tuple[str, str]] = [("ID", f"#{c.id}"), ("Name", c.name)]
    full = " ".join(p for p in (c.given_name, c.family_name) if p)
    if full and full != c.name:  # a card's N usually spells the name again: shown once
        pairs.append(("Full name", full))
    for label, value in (
        ("Nickname", c.nickname),
        ("Title", c.title),
        ("Company", c.company.name if c.company else None),
    ):
        if value:
            pairs.append((label, value))
    for label, items in (
        ("Email", c.emails),
        ("Phone", c.phones),
        ("Address", c.addresses),
        ("URL", c.urls),
    ):
        for item in items:
            pairs.append((label + (f" ({item.label})" if item.label else ""), item.value))
    for item in c.dates:
        pairs.append((f"Date ({item.label})" if item.label else "Date", _yearly(item.value)))
    if c.birthday:
        pairs.append(("Birthday", _yearly(c.birthday)))
    if c.tags:
        pairs.append(("Tags", ", ".join(c.tags)))
    for label, value in (("Stage", c.stage), ("Source", c.source)):
        if value:
            pairs.append((label, value))
    if c.cadence_days:
        pairs.append(("Keep in touch", f"every {c.cadence_days} days"))
    for name, value in sorted(c.custom.items()):
        pairs.append((name, value))
    if c.notes:
        pairs.append(("Notes", c.notes))
    if c.archived:
        pairs.append(("Archived", "yes"))
    pairs.append(("Created", local_time(c.created_at)))
    pairs.append(("Updated", local_time(c.updated_at)))
    return pairs


def print_contact(c: Contact, fmt: str) -> None:
    if fmt == "json":
        write_json(c.to_dict())
    else:
        print_card(c.name, contact_card_lines(c))


# -- companies --------------------------------------------------------------------------


def _company_columns() -> tuple[Any, ...]:
    return (
        Column("id", whole=True),
        Column("name", least=12),
        Column("domain", whole=True, drop=2),
        Column("contacts", whole=True, drop=1, right=True),
    )


def print_companies(items: Sequence[Company], fmt: str, *, raw: bool = False) -> None:
    if fmt == "json":
        write_json([c.to_dict() for c in items])
    elif fmt in ("csv", "tsv"):
        write_delimited(
            ("id", "uid", "name", "domain", "notes", "contact_count", "created_at", "updated_at"),
            (
                [
                    c.id,
                    c.uid,
                    c.name,
                    c.domain,
                    c.notes,
                    c.contact_count,
                    c.created_at,
                    c.updated_at,
                ]
                for c in items
            ),
            tsv=fmt == "tsv",
            raw=raw,
        )
    elif not items:
        nothing("No companies yet.")
    else:
        print_table(
            _company_columns(), [[c.id, c.name, c.domain or "", c.contact_count] for c in items]
        )


def print_company(company: Company, members: Sequence[Contact], fmt: str) -> None:
    if fmt == "json":
        data = company.to_dict()
        data["contacts"] = [{"id": m.id, "uid": m.uid, "name": m.name} for m in members]
        write_json(data)
        return
    pairs = [("ID", f"#{company.id}"), ("Name", company.name)]
    if company.domain:
        pairs.append(("Domain", company.domain))
    if company.notes:
        pairs.append(("Notes", company.notes))
    pairs += [(("Contacts" if i == 0 else ""), f"#{m.id} {m.name}") for i, m in enumerate(members)]
    pairs += [
        ("Created", local_time(company.created_at)),
        ("Updated", local_time(company.updated_at)),
    ]
    print_card(company.name, pairs)


def print_contact_page(page: ContactPage, fmt: str, now: datetime) -> None:
    """The contact's page as of ``now`` (aware, local: what is overdue): the card, open
    follow-ups, latest interactions and deals, each drawn by its feature's render module."""
    if fmt == "json":
        write_json(page.to_dict())
        return
    from minicrm.activity.render import (  # lazy: start-up (ls draws contacts without them)
        DUE_DATE,
        ID,
        TITLE,
        WHEN_DUE,
        followup_due,
        followup_title,
        local_or_blank,
        overdue_label,
        page_due_cells,
    )

    c = page.contact
    pairs = contact_card_lines(c)
    extra = [("Last contacted", local_or_blank(c.last_contacted_at) or "never")]
    if page.next_due:
        label = overdue_label(page.next_due, now)
        extra.append(
            ("Next due", f"{followup_due(page.next_due)} ({label}): {page.next_due.title}")
        )
    print_card(c.name, pairs[:-2] + extra + pairs[-2:])
    if page.open_followups:
        print_table(
            (ID, DUE_DATE, WHEN_DUE, TITLE),
            [[f.id, *page_due_cells(f, now), followup_title(f)] for f in page.open_followups],
            title="Open follow-ups",
        )
    if page.interactions:
        print_table(
            (ID, Column("when", whole=True), Column("kind", whole=True, drop=1), Column("text")),
            [[i.id, local_or_blank(i.occurred_at), i.kind, i.summary] for i in page.interactions],
            title="Latest interactions",
        )
    if page.deals:
        from minicrm.deals.render import print_contact_deals  # lazy: start-up

        print_contact_deals(page.deals)
