"""Pass 1 of an import: each incoming record validated with the same rules as ``minicrm
add`` and normalised (labels, tags, company, birthday, custom field names, photos), or
turned into a :class:`~minicrm.interchange.incoming.RecordError` naming its position.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from minicrm.core import validate
from minicrm.core.errors import InvalidInput
from minicrm.interchange.incoming import Incoming, RecordError
from minicrm.interchange.models import Prepared

MAX_UID = 200


CHILD_KINDS = (
    ("emails", "contact_emails", validate.email, validate.email_key),
    ("phones", "contact_phones", validate.phone, validate.phone_key),
    ("addresses", "contact_addresses", validate.address, None),
    ("urls", "contact_urls", validate.url, None),
    ("dates", "contact_dates", validate.important_date, None),
)


SCALARS = (
    "given_name",
    "family_name",
    "nickname",
    "title",
    "birthday",
    "notes",
    "stage",
    "source",
    "cadence_days",
)


def prepare(record: Incoming, *, photos: str = "keep", count_unstorable: bool = True) -> Prepared:
    """Validate one incoming record (raises RecordError naming its position).

    ``count_unstorable``: count the NULs the record holds (validation replaces them by
    U+2400); an importer that knows its source has none passes False."""
    try:
        prepared = _prepare(record, photos)
    except InvalidInput as exc:
        raise RecordError(record.position, str(exc)) from None
    if count_unstorable:
        prepared.replaced = _unstorable(record)
    return prepared


def _unstorable(record: Incoming) -> int:
    """How many characters of the record cannot be stored as they are (NUL)."""
    nul = validate.UNSTORABLE
    found = 0
    for value in (
        record.name,
        record.given_name,
        record.family_name,
        record.nickname,
        record.title,
        record.company,
        record.birthday,
        record.notes,
        record.stage,
        record.source,
        record.uid,
        record.photo,
        *record.tags,
        *record.vcard_extra,
        *record.custom.values(),
    ):
        if value:
            found += value.count(nul)
    for kind in ("emails", "phones", "addresses", "urls", "dates"):
        for _label, value in getattr(record, kind):
            found += value.count(nul)
    return found


def _prepare(record: Incoming, photos: str) -> Prepared:
    name = record.name or " ".join(p for p in (record.given_name, record.family_name) if p)
    if not (name or "").strip():
        name = record.company or (record.emails[0][1] if record.emails else "")
    clean_name = validate.required_name(name or "")
    fields: dict[str, Any] = {}
    custom_extra: dict[str, str] = {}
    for key in SCALARS:
        raw = getattr(record, key)
        if raw is None or not str(raw).strip():
            continue
        if key == "birthday":
            try:
                fields[key] = _birthday(str(raw))
            except validate.ImpossibleDate:  # a typo, not a text: say so, with the line
                raise InvalidInput(
                    f"birthday {str(raw).strip()!r} is an impossible date (there is no such day)",
                    hint=f"accepted: {validate.BIRTHDAY_FORMS}",
                ) from None
            except InvalidInput:  # "circa 1800", 1815-03-01: kept as text, not refused
                custom_extra["birthday_text"] = str(raw).strip()
        elif key == "stage":
            from minicrm.contacts.reading import checked_stage as check_stage  # lazy: start-up

            fields[key] = check_stage(str(raw))
        elif key == "cadence_days":
            fields[key] = validate.cadence_days(str(raw))
        elif key == "notes":
            fields[key] = validate.text(str(raw), "notes", max_len=validate.MAX_TEXT)
        else:  # as `add` checks them: names up to 300 characters, title and source 1,000
            limit = validate.MAX_NAME if key.endswith("name") else validate.MAX_FIELD
            fields[key] = validate.text(str(raw), key.replace("_", " "), max_len=limit)
    items: dict[str, list[tuple[str | None, str, str]]] = {}
    for kind, _table, check, keyer in CHILD_KINDS:
        seen: set[str] = set()
        cleaned = []
        for label, raw in getattr(record, kind):
            value = check(raw)
            key = item_key(kind, keyer, value)
            if key in seen:
                continue  # the same value twice in one record: keep one
            seen.add(key)
            cleaned.append((_label(label) if label else None, value, key))
        items[kind] = cleaned
    tags: list[str] = []
    changed: list[str] = []  # labels the tag rule changed beyond case, as written
    for raw in record.tags:
        if not raw or not raw.strip():
            continue
        made = _tag(raw)
        if made is None or made != raw.strip().lstrip("#").casefold():
            changed.append(raw.strip())
        if made is not None:
            tags.append(made)
    tags = list(dict.fromkeys(tags))
    if changed:
        custom_extra["labels"] = ", ".join(dict.fromkeys(changed))
    custom = {}
    for key, value in {**custom_extra, **record.custom}.items():
        clean_key = validate.custom_key(_custom_name(key))
        clean_value = validate.text(str(value), f"field {clean_key}")
        if clean_value is not None:
            custom[clean_key] = clean_value
    uid = None
    if record.uid and record.uid.strip():
        uid = validate.text(record.uid, "uid", max_len=MAX_UID)
    company = _company_name(record.company) if record.company else None
    return Prepared(
        archived=bool(record.archived),
        position=record.position,
        name=clean_name,
        fields=fields,
        company=company,
        items=items,
        tags=tags,
        custom=custom,
        uid=uid,
        vcard_extra=[validate.storable(line) for line in record.vcard_extra if line],
        photo=validate.storable(record.photo) if record.photo and photos == "keep" else None,
    )


# Labels, tags and company names repeat from record to record (work, vip, Acme): each
# distinct one is checked once. The checks are pure; a value that fails is not cached.
@functools.lru_cache(maxsize=4_096)
def _label(label: str) -> str | None:
    return validate.split_label(f"{label}:x")[0]


@functools.lru_cache(maxsize=4_096)
def _tag(raw: str) -> str | None:
    return validate.tag_of_label(raw)


@functools.lru_cache(maxsize=4_096)
def _company_name(raw: str) -> str | None:
    return validate.text(raw, "company", max_len=validate.MAX_NAME)


def _birthday(raw: str) -> str | None:
    text = raw.strip()
    if len(text) == 8 and text.isdigit():  # 19900517 (vCard 3.0 basic format)
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    elif len(text) == 6 and text.startswith("--") and text[2:].isdigit():  # --0517
        text = f"--{text[2:4]}-{text[4:]}"
    return validate.birthday(text)


def _custom_name(key: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in key.strip())
    cleaned = cleaned.strip("_") or "field"
    return cleaned if cleaned[0].isalpha() else f"f_{cleaned}"


Records = Iterable[Incoming | RecordError]


def prepared_records(
    records: Records,
    *,
    skip_invalid: bool,
    photos: str,
    bad: list[RecordError] | None = None,
    count_unstorable: bool = True,
) -> Iterator[Prepared]:
    """Validated records, one at a time. A bad one stops the import (InvalidInput), or
    with ``skip_invalid`` is collected in ``bad`` and passed over."""
    for record in records:
        try:
            if isinstance(record, RecordError):
                raise record
            yield prepare(record, photos=photos, count_unstorable=count_unstorable)
        except RecordError as exc:
            if not skip_invalid:
                raise InvalidInput(
                    f"{exc.position}: {exc.message}; nothing was imported",
                    hint="fix that record, or pass --skip-invalid to import the others",
                ) from None
            if bad is not None:
                bad.append(exc)


def item_key(kind: str, keyer: Callable[[str], str] | None, value: str) -> str:
    """How two values of a kind are compared: emails and phones by their own keys,
    dates as stored (already normalised), the rest ignoring case, accents and spaces."""
    if keyer is not None:
        return keyer(value)
    return value if kind == "dates" else validate.key(value)
