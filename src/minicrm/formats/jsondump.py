"""minicrm's own JSON: a complete, versioned dump of the data tables (history excluded)
that restores into an empty database identically, and the contact arrays that
``minicrm ls --json`` prints, read back as import records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from minicrm.interchange import Incoming, RecordError

FORMAT = "minicrm-dump"
VERSION = 1


def is_dump(data: Any) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT


def check_dump(data: dict[str, Any], known_tables: tuple[str, ...]) -> None:
    from minicrm.errors import InvalidInput

    if data.get("version") != VERSION:
        raise InvalidInput(
            f"this dump is version {data.get('version')!r}; this minicrm reads version {VERSION}",
            hint="export it again with this minicrm, or upgrade minicrm",
        )
    tables = data.get("tables")
    if not isinstance(tables, dict) or not all(isinstance(v, list) for v in tables.values()):
        raise InvalidInput(
            "the dump has no 'tables' object of lists", hint="is it a minicrm export?"
        )
    unknown = sorted(set(tables) - set(known_tables))
    if unknown:
        raise InvalidInput(f"the dump has tables this minicrm does not know: {', '.join(unknown)}")


def contact_records(data: Any, source: str) -> Iterator[Incoming | RecordError]:
    """Contacts from a dump, or from an array of contact objects (``ls --json``)."""
    if is_dump(data):
        yield from _dump_contacts(data, source)
        return
    if not isinstance(data, list):
        yield RecordError(f"{source}", "expected a minicrm dump or an array of contacts")
        return
    for number, item in enumerate(data, start=1):
        position = f"item {number} of {source}"
        if not isinstance(item, dict):
            yield RecordError(position, "not a JSON object")
            continue
        try:
            yield _from_contact_json(item, position)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            yield RecordError(position, f"unexpected shape: {exc}")


def _labelled(items: Any) -> list[tuple[str | None, str]]:
    return [(i.get("label"), str(i["value"])) for i in items or []]


def _from_contact_json(item: dict[str, Any], position: str) -> Incoming:
    company = item.get("company")
    return Incoming(
        position=position,
        name=item.get("name"),
        given_name=item.get("given_name"),
        family_name=item.get("family_name"),
        nickname=item.get("nickname"),
        title=item.get("title"),
        company=company.get("name") if isinstance(company, dict) else company,
        emails=_labelled(item.get("emails")),
        phones=_labelled(item.get("phones")),
        addresses=_labelled(item.get("addresses")),
        urls=_labelled(item.get("urls")),
        dates=_labelled(item.get("dates")),
        birthday=item.get("birthday"),
        tags=list(item.get("tags") or []),
        notes=item.get("notes"),
        stage=item.get("stage"),
        source=item.get("source"),
        cadence=None if item.get("keep_in_touch_days") is None else str(item["keep_in_touch_days"]),
        archived=item.get("archived"),
        uid=item.get("uid"),
        custom={str(k): str(v) for k, v in (item.get("custom") or {}).items()},
        vcard_extra=list(item.get("vcard_properties") or []),
        photo=item.get("photo"),
    )


def _dump_contacts(data: dict[str, Any], source: str) -> Iterator[Incoming | RecordError]:
    tables = data.get("tables") or {}
    companies = {row["id"]: row["name"] for row in tables.get("companies", [])}
    children: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for table in (
        "contact_emails",
        "contact_phones",
        "contact_addresses",
        "contact_urls",
        "contact_dates",
        "contact_tags",
    ):
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in tables.get(table, []):
            grouped.setdefault(row["contact_id"], []).append(row)
        children[table] = grouped
    for row in tables.get("contacts", []):
        position = f"contact #{row.get('id')} of {source}"
        try:
            cid = row["id"]

            def kids(table: str, cid: int = cid) -> list[tuple[str | None, str]]:
                ordered = sorted(
                    children[table].get(cid, []), key=lambda r: (r["position"], r["id"])
                )
                return [(r["label"], r["value"]) for r in ordered]

            yield Incoming(
                position=position,
                name=row["display_name"],
                given_name=row.get("given_name"),
                family_name=row.get("family_name"),
                nickname=row.get("nickname"),
                title=row.get("title"),
                company=companies.get(row.get("company_id")),
                emails=kids("contact_emails"),
                phones=kids("contact_phones"),
                addresses=kids("contact_addresses"),
                urls=kids("contact_urls"),
                dates=kids("contact_dates"),
                birthday=row.get("birthday"),
                tags=[r["tag"] for r in children["contact_tags"].get(cid, [])],
                notes=row.get("notes"),
                stage=row.get("stage"),
                source=row.get("source"),
                cadence=None if row.get("cadence_days") is None else str(row["cadence_days"]),
                archived=bool(row.get("archived")),
                uid=row.get("uid"),
                custom=json.loads(row.get("custom") or "{}"),
                vcard_extra=json.loads(row.get("vcard_extra") or "[]"),
                photo=row.get("photo"),
            )
        except (TypeError, ValueError, KeyError) as exc:
            yield RecordError(position, f"unexpected shape: {exc}")
