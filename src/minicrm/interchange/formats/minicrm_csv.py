"""minicrm's own CSV of contacts (``ls --format csv``, ``export --format csv``): its
columns, the writer, and the reader that takes it back (``import --format minicrm``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from minicrm.contacts.models import Contact
from minicrm.interchange.incoming import Incoming, RecordError
from minicrm.ui.machine import unguard_formula, write_delimited

CONTACT_CSV_COLUMNS = (
    "id",
    "uid",
    "name",
    "given_name",
    "family_name",
    "nickname",
    "title",
    "company",
    "emails",
    "phones",
    "urls",
    "addresses",
    "dates",
    "birthday",
    "tags",
    "stage",
    "source",
    "custom",
    "keep_in_touch_days",
    "last_contacted_at",
    "archived",
    "created_at",
    "updated_at",
)


def _labelled(items: Iterable[Any]) -> str:
    return "; ".join(f"{i.label}:{i.value}" if i.label else i.value for i in items)


def contact_csv_row(c: Contact) -> list[object]:
    return [
        c.id,
        c.uid,
        c.name,
        c.given_name,
        c.family_name,
        c.nickname,
        c.title,
        c.company.name if c.company else None,
        _labelled(c.emails),
        _labelled(c.phones),
        _labelled(c.urls),
        _labelled(c.addresses),
        _labelled(c.dates),
        c.birthday,
        ",".join(c.tags),
        c.stage,
        c.source,
        json.dumps(c.custom, ensure_ascii=False, sort_keys=True) if c.custom else "",
        c.cadence_days,
        c.last_contacted_at,
        "yes" if c.archived else "no",
        c.created_at,
        c.updated_at,
    ]


def write_contacts(
    contacts: Iterable[Contact], fmt: str = "csv", *, raw: bool = False, file: IO[str] | None = None
) -> None:
    """Whole contacts as minicrm's CSV (``fmt`` ``csv``) or TSV (``tsv``), header first,
    streamed as they come (to standard output unless ``file``)."""
    rows = (contact_csv_row(c) for c in contacts)
    write_delimited(CONTACT_CSV_COLUMNS, rows, tsv=fmt == "tsv", raw=raw, file=file)


# -- reading ----------------------------------------------------------------------------


def _labelled_cell(value: str) -> list[tuple[str | None, str]]:
    """``work:jane@acme.io; home@x.org`` (minicrm's own CSV) -> [(label, value), ...]."""
    items: list[tuple[str | None, str]] = []
    for part in value.split("; "):
        if not part.strip():
            continue
        head, sep, rest = part.partition(":")
        if sep and re.fullmatch(r"[a-z][a-z0-9_-]{0,23}", head) and not rest.startswith("//"):
            items.append((head, rest))
        else:
            items.append((None, part))
    return items


def read_rows(
    rows: Iterator[tuple[int, list[str]] | RecordError], header: list[str], where: str
) -> Iterator[Incoming | RecordError]:
    """Read back minicrm's own CSV (``ls --format csv``, ``export --format csv``)."""
    import json

    for item in rows:
        if isinstance(item, RecordError):
            yield item
            continue
        start, cells = item
        if not any(c.strip() for c in cells):
            continue
        position = f"line {start}{where}"
        row = {
            name: unguard_formula(cells[i]).strip() if i < len(cells) else ""
            for i, name in enumerate(header)
        }
        try:
            custom = json.loads(row.get("custom") or "{}")
            if not isinstance(custom, dict):
                raise ValueError("custom is not an object")
        except ValueError as exc:
            yield RecordError(position, f"the custom column is not a JSON object: {exc}")
            continue
        yield Incoming(
            position=position,
            name=row.get("name") or None,
            given_name=row.get("given_name") or None,
            family_name=row.get("family_name") or None,
            nickname=row.get("nickname") or None,
            title=row.get("title") or None,
            company=row.get("company") or None,
            emails=_labelled_cell(row.get("emails", "")),
            phones=_labelled_cell(row.get("phones", "")),
            urls=_labelled_cell(row.get("urls", "")),
            addresses=_labelled_cell(row.get("addresses", "")),
            dates=_labelled_cell(row.get("dates", "")),
            birthday=row.get("birthday") or None,
            tags=[t for t in row.get("tags", "").split(",") if t.strip()],
            stage=row.get("stage") or None,
            source=row.get("source") or None,
            cadence_days=row.get("keep_in_touch_days") or None,
            archived=row.get("archived") == "yes" if row.get("archived") else None,
            uid=row.get("uid") or None,
            custom={str(k): str(v) for k, v in custom.items()},
        )
