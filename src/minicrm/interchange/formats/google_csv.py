"""Google Contacts CSV: what ``minicrm export --format google`` writes, in the column names
of Google's own export (which its import accepts). :mod:`minicrm.interchange.formats.csvfmt` reads it
back. Every cell goes through the formula guard unless ``raw``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import IO

from minicrm.contacts.models import Contact
from minicrm.interchange.formats.csvfmt import MULTI_SEP
from minicrm.ui.machine import guard_formula

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
