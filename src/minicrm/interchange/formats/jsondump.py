"""minicrm's own JSON: a complete, versioned dump of the data tables (history excluded)
that restores into an empty database identically, and the contact arrays that
``minicrm ls --json`` prints, read back as import records."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from minicrm.core.errors import InvalidInput
from minicrm.interchange.incoming import Incoming, RecordError

FORMAT = "minicrm-dump"
VERSION = 1


def row_layout(compact: bool = False) -> dict[str, str]:
    """How one row of a table is written in the dump: the text before its first item,
    between items, between a key and its value, and after its last item. ``indent=2``
    puts a row at depth 3 (dump, tables, table): its items 8 spaces in, its braces 6."""
    if compact:
        return {"opening": "{", "item_separator": ",", "key_separator": ":", "closing": "}"}
    return {
        "opening": "{\n        ",
        "item_separator": ",\n        ",
        "key_separator": ": ",
        "closing": "\n      }",
    }


def write_dump(
    out: IO[str],
    head: dict[str, Any],
    tables: Iterable[tuple[str, Iterable[list[str | dict[str, Any]]]]],
    *,
    compact: bool = False,
) -> None:
    """Write a dump to ``out`` as it is read: ``head`` (format, version, schema), then each
    table's rows, a batch at a time, never the whole dump in memory.

    Each row is either its text, already laid out as :func:`row_layout` says (the store
    writes most rows so, in SQLite), or its dict, encoded here with json's C encoder and
    the same layout. The whole is byte for byte ``json.dumps(dump, ensure_ascii=False,
    indent=2)`` (with ``compact``: ``separators=(",", ":")``, one line), and a newline.
    ``indent`` alone would select json's pure-Python encoder, many times slower and
    holding the whole dump in memory."""
    layout = row_layout(compact)
    encode = _encoder(layout["item_separator"], layout["key_separator"])
    opening, closing = layout["opening"], layout["closing"]

    def text(row: str | dict[str, Any]) -> str:
        if isinstance(row, str):
            return row
        return opening + "".join(encode(row, 0))[1:-1] + closing

    if compact:
        first = "".join(encode(head, 0)) if head else "{}"
        out.write(first[:-1] + ("," if head else "") + '"tables":{')
        row_gap = ","
    else:
        first = json.dumps(head, ensure_ascii=False, indent=2)
        out.write((first[:-2] + ",\n" if head else "{\n") + '  "tables": {')
        row_gap = ",\n      "
    started = False
    for name, batches in tables:
        key = json.dumps(name, ensure_ascii=False)
        if compact:
            out.write(("," if started else "") + key + ":[")
        else:
            out.write((",\n" if started else "\n") + f"    {key}: [")
        started = True
        empty = True
        for batch in batches:
            if not batch:
                continue
            body = row_gap.join(map(text, batch))
            if compact:
                out.write(body if empty else "," + body)
            else:
                out.write(("\n      " if empty else row_gap) + body)
            empty = False
        out.write("]" if empty or compact else "\n    ]")
    if compact:
        out.write("}}\n")
    else:
        out.write("\n  }\n}\n" if started else "}\n}\n")


def _encoder(item_separator: str, key_separator: str) -> Any:
    """json's C encoder (``ensure_ascii=False``) with these separators, made once; the
    pure-Python one where the C one is missing (same text, slower)."""
    from json import encoder

    make = getattr(encoder, "c_make_encoder", None)  # private to json, not in its stubs
    if make is not None:
        return make(
            None,
            None,
            encoder.encode_basestring,
            None,
            key_separator,
            item_separator,
            False,
            False,
            True,
        )
    return json.JSONEncoder(
        ensure_ascii=False, separators=(item_separator, key_separator)
    ).iterencode


def is_dump(data: Any) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT


def check_dump(data: dict[str, Any], known_tables: tuple[str, ...]) -> None:
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


def _text(value: Any, what: str) -> str | None:
    """A string field of a JSON record: a string or null, nothing else."""
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{what} must be a string, not {type(value).__name__}")


def _texts(values: Any, what: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise TypeError(f"{what} must be a list of strings, not {type(values).__name__}")
    return [_text(v, what) or "" for v in values]


def _labelled(items: Any, what: str) -> list[tuple[str | None, str]]:
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TypeError(f"{what} must be a list of {{label, value}} objects")
    out = []
    for i in items:
        value = i["value"]
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"{what} values must be strings, not {type(value).__name__}")
        out.append((_text(i.get("label"), f"{what} label"), str(value)))
    return out


def _from_contact_json(item: dict[str, Any], position: str) -> Incoming:
    company = item.get("company")
    if isinstance(company, dict):
        company = company.get("name")
    custom = item.get("custom") or {}
    if not isinstance(custom, dict):
        raise TypeError(f"custom must be an object, not {type(custom).__name__}")
    cadence = item.get("keep_in_touch_days")
    if cadence is not None and (isinstance(cadence, bool) or not isinstance(cadence, int | str)):
        raise TypeError("keep_in_touch_days must be a number of days")
    archived = item.get("archived")
    if archived is not None and not isinstance(archived, bool):
        raise TypeError(f"archived must be true or false, not {archived!r}")
    return Incoming(
        position=position,
        name=_text(item.get("name"), "name"),
        given_name=_text(item.get("given_name"), "given_name"),
        family_name=_text(item.get("family_name"), "family_name"),
        nickname=_text(item.get("nickname"), "nickname"),
        title=_text(item.get("title"), "title"),
        company=_text(company, "company"),
        emails=_labelled(item.get("emails"), "emails"),
        phones=_labelled(item.get("phones"), "phones"),
        addresses=_labelled(item.get("addresses"), "addresses"),
        urls=_labelled(item.get("urls"), "urls"),
        dates=_labelled(item.get("dates"), "dates"),
        birthday=_text(item.get("birthday"), "birthday"),
        tags=_texts(item.get("tags"), "tags"),
        notes=_text(item.get("notes"), "notes"),
        stage=_text(item.get("stage"), "stage"),
        source=_text(item.get("source"), "source"),
        cadence_days=None if cadence is None else str(cadence),
        archived=archived,
        uid=_text(item.get("uid"), "uid"),
        custom={str(k): _text(v, f"custom field {k!r}") or "" for k, v in custom.items()},
        vcard_extra=_texts(item.get("vcard_properties"), "vcard_properties"),
        photo=_text(item.get("photo"), "photo"),
    )


def _dump_contacts(data: dict[str, Any], source: str) -> Iterator[Incoming | RecordError]:
    tables = data.get("tables") or {}
    try:
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
        contacts = list(tables.get("contacts", []))
    except (TypeError, KeyError, AttributeError) as exc:
        yield RecordError(source, f"unexpected shape of the dump's tables: {exc}")
        return
    for row in contacts:
        position = f"contact #{row.get('id') if isinstance(row, dict) else '?'} of {source}"
        try:
            cid = row["id"]

            def kids(table: str, cid: int = cid) -> list[tuple[str | None, str]]:
                ordered = sorted(
                    children[table].get(cid, []), key=lambda child: (child["position"], child["id"])
                )
                return _labelled(ordered, table)

            custom = json.loads(row.get("custom") or "{}")
            if not isinstance(custom, dict):
                raise TypeError("custom must be a JSON object")
            yield Incoming(
                position=position,
                name=_text(row["display_name"], "display_name"),
                given_name=_text(row.get("given_name"), "given_name"),
                family_name=_text(row.get("family_name"), "family_name"),
                nickname=_text(row.get("nickname"), "nickname"),
                title=_text(row.get("title"), "title"),
                company=_text(companies.get(row.get("company_id")), "company"),
                emails=kids("contact_emails"),
                phones=kids("contact_phones"),
                addresses=kids("contact_addresses"),
                urls=kids("contact_urls"),
                dates=kids("contact_dates"),
                birthday=_text(row.get("birthday"), "birthday"),
                tags=_texts([r["tag"] for r in children["contact_tags"].get(cid, [])], "tags"),
                notes=_text(row.get("notes"), "notes"),
                stage=_text(row.get("stage"), "stage"),
                source=_text(row.get("source"), "source"),
                cadence_days=None if row.get("cadence_days") is None else str(row["cadence_days"]),
                archived=bool(row.get("archived")),
                uid=_text(row.get("uid"), "uid"),
                custom={str(k): _text(v, f"custom field {k!r}") or "" for k, v in custom.items()},
                vcard_extra=_texts(json.loads(row.get("vcard_extra") or "[]"), "vcard_extra"),
                photo=_text(row.get("photo"), "photo"),
            )
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            yield RecordError(position, f"unexpected shape: {exc}")
