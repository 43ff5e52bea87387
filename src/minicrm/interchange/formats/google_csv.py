"""Google Contacts CSV, both ways. Reading: the column names of Google's own export
(numbered groups such as ``E-mail 2 - Value``, ``" ::: "`` multi-value cells), which
:mod:`minicrm.interchange.formats.csvfmt` maps with :func:`google_target`. Writing: what
``minicrm export --format google`` writes, in those column names (which Google's import
accepts). Every cell written goes through the formula guard unless ``raw``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from typing import IO

from minicrm.contacts.models import Contact
from minicrm.interchange.formats.csvcolumns import IGNORE, Target
from minicrm.ui.machine import guard_formula

MULTI_SEP = " ::: "  # Google joins several values of one cell with this


GOOGLE_SEP = re.compile(r"\s*:::\s*")


GOOGLE_NUMBERED = re.compile(
    r"(e-mail|phone|address|website|event|custom field|relation|im|organization) (\d+) - (.+)",
    re.IGNORECASE,
)


_GOOGLE_GROUP_KIND = {
    "e-mail": "email",
    "phone": "phone",
    "website": "url",
    "event": "date",
    "address": "address",
    "custom field": "custom",
    "relation": "custom",
    "im": "custom",
}


_GOOGLE_ROLES = {
    "type": "type",
    "label": "type",
    "service": "service",
    "value": "value",
    "formatted": "formatted",
    "street": "street",
    "extended address": "extended",
    "po box": "pobox",
    "city": "city",
    "region": "region",
    "postal code": "postcode",
    "country": "country",
}


_GOOGLE_TAGS = re.compile(r"\s*:::\s*")


_GOOGLE_NAMED = {
    "name": Target("name"),
    "file as": Target("name"),
    "given name": Target("given_name"),
    "first name": Target("given_name"),
    "additional name": Target("middle"),
    "middle name": Target("middle"),
    "family name": Target("family_name"),
    "last name": Target("family_name"),
    "name prefix": Target("custom", key="honorific"),
    "name suffix": Target("custom", key="suffix"),
    "nickname": Target("nickname"),
    "birthday": Target("birthday"),
    "notes": Target("notes"),
    "group membership": Target("tags", split=_GOOGLE_TAGS),
    "labels": Target("tags", split=_GOOGLE_TAGS),
    "organization name": Target("company"),
    "organization title": Target("title"),
    "organization department": Target("custom", key="department"),
    "photo": IGNORE,  # a URL of Google's copy, useless elsewhere
}


def google_target(column: str) -> Target | None:
    lowered = " ".join(column.lower().split())
    if lowered in _GOOGLE_NAMED:
        return _GOOGLE_NAMED[lowered]
    m = GOOGLE_NUMBERED.fullmatch(lowered)
    if not m:
        return None
    what, number, part = m.groups()
    if what == "organization":
        if number != "1":
            return None
        return {
            "name": Target("company"),
            "title": Target("title"),
            "department": Target("custom", key="department"),
        }.get(part)
    role = _GOOGLE_ROLES.get(part)
    if role is None or (role == "service" and what != "im"):
        return None
    return Target("group", group=(_GOOGLE_GROUP_KIND[what], f"{what} {number}"), role=role)


# -- writing ----------------------------------------------------------------------------

_GOOGLE_LABELS = {
    "work": "Work",
    "home": "Home",
    "mobile": "Mobile",
    "main": "Main",
    "other": "Other",
    "pager": "Pager",
    "work-fax": "Work Fax",
    "home-fax": "Home Fax",
    "google-voice": "Google Voice",
}
_OWN_COLUMN_CUSTOM = ("middle_name", "honorific", "suffix", "department")


def _google_label(label: str | None) -> str:
    if not label:
        return ""
    return _GOOGLE_LABELS.get(label, label)


def to_google_csv(contacts: Iterable[Contact], *, raw: bool = False) -> str:
    """The contacts as a CSV Google Contacts imports (its own export's column names).

    A contact whose name differs from its given/middle/family name carries the name in
    "File As"; one without those parts gets its whole name as First Name (Google needs a
    name to show). Other custom fields become "Custom Field n". Every cell goes through
    the formula guard unless ``raw``. RFC 4180: CRLF line ends, quotes where needed.
    """
    contacts = list(contacts)
    buffer = io.StringIO()
    write_google_csv(buffer, lambda: contacts, raw=raw)
    return buffer.getvalue()


OWN_COLUMN_CUSTOM = _OWN_COLUMN_CUSTOM  # custom fields with columns of their own


def write_google_csv(
    out: IO[str],
    contacts: Callable[[], Iterable[Contact]],
    *,
    raw: bool = False,
    most: dict[str, int] | None = None,
) -> None:
    """What :func:`to_google_csv` returns, written to ``out`` row by row. The header needs
    as many E-mail N, Phone N ... columns as the contact with the most: ``most`` says how
    many (keys ``emails``, ``phones``, ``addresses``, ``urls``, ``dates``, ``custom``: see
    ``store.dump.most_items``), else ``contacts``, which gives the contacts afresh, is
    read twice: first to count, then to write."""
    counts = {attr: 1 for attr in ("emails", "phones", "addresses", "urls", "dates")}
    n_custom = 1
    if most is not None:
        counts = {attr: max(1, most[attr]) for attr in counts}
        n_custom = max(1, most["custom"])
    else:
        for c in contacts():
            for attr in counts:
                counts[attr] = max(counts[attr], len(getattr(c, attr)))
            n_custom = max(n_custom, len(_extra_custom(c)))
    numbered = (
        ("E-mail", "emails", counts["emails"]),
        ("Phone", "phones", counts["phones"]),
        ("Address", "addresses", counts["addresses"]),
        ("Website", "urls", counts["urls"]),
        ("Event", "dates", counts["dates"]),
    )
    header = [
        "First Name",
        "Middle Name",
        "Last Name",
        "Name Prefix",
        "Name Suffix",
        "Nickname",
        "File As",
        "Organization Name",
        "Organization Title",
        "Organization Department",
        "Birthday",
        "Notes",
        "Labels",
    ]
    for what, _attr, count in numbered:
        value = "Formatted" if what == "Address" else "Value"
        for n in range(1, count + 1):
            header += [f"{what} {n} - Label", f"{what} {n} - {value}"]
    for n in range(1, n_custom + 1):
        header += [f"Custom Field {n} - Label", f"Custom Field {n} - Value"]

    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for c in contacts():
        middle = c.custom.get("middle_name")
        if c.given_name or c.family_name or middle:
            first, last = c.given_name, c.family_name
            built = " ".join(p for p in (first, middle, last) if p)
            file_as = c.name if c.name != built else None
        else:
            first, last, file_as = c.name, None, None
        row: list[str | None] = [
            first,
            middle,
            last,
            c.custom.get("honorific"),
            c.custom.get("suffix"),
            c.nickname,
            file_as,
            c.company.name if c.company else None,
            c.title,
            c.custom.get("department"),
            c.birthday,
            c.notes,
            MULTI_SEP.join(c.tags),
        ]
        for _what, attr, count in numbered:
            items = list(getattr(c, attr))
            for n in range(count):
                if n < len(items):
                    row += [_google_label(items[n].label), items[n].value]
                else:
                    row += ["", ""]
        custom = _extra_custom(c)
        for n in range(n_custom):
            row += list(custom[n]) if n < len(custom) else ["", ""]
        cells = ["" if v is None else str(v) for v in row]
        writer.writerow(cells if raw else [guard_formula(v) for v in cells])


def _extra_custom(c: Contact) -> list[tuple[str, str]]:
    return [(k, v) for k, v in sorted(c.custom.items()) if k not in _OWN_COLUMN_CUSTOM]
