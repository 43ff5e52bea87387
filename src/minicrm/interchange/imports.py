"""Importing contacts: duplicate-aware, atomic, and fast enough for 100,000 rows.

One pass, in ONE transaction: each record is validated with the same rules as ``minicrm
add`` (a bad record fails the whole import with its position, unless ``skip_invalid``),
matched against what is already there (by uid, then any email, then exact name) and
created, merged or skipped. New contacts go in by ``executemany`` in batches (history
written in bulk by SQLite too); merges go through the ordinary write path. A bad record,
an error or Ctrl-C rolls everything back, so nothing is written unless all of it is.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from minicrm.contacts import companies
from minicrm.contacts.service import child_row
from minicrm.core import clock, validate
from minicrm.core.errors import InvalidInput, MinicrmError
from minicrm.core.ids import new_uid
from minicrm.db import jsonvalues
from minicrm.db.store import Store
from minicrm.interchange import queries
from minicrm.interchange.incoming import Incoming, RecordError

POLICIES = ("merge", "skip", "new")
BATCH = 1_000
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


@dataclass(slots=True)
class Prepared:
    """An incoming contact, validated and normalised."""

    position: str
    name: str
    fields: dict[str, str | None]  # the SCALARS
    company: str | None
    items: dict[str, list[tuple[str | None, str, str]]]  # kind -> (label, value, key)
    tags: list[str]
    custom: dict[str, str]
    uid: str | None
    vcard_extra: list[str]
    photo: str | None
    archived: bool = False
    name_key: str = ""  # validate.key(name), computed once
    replaced: int = 0  # characters that could not be stored (NUL), replaced by U+2400
    order: int = 0  # the record's place among the valid records of the file

    def __post_init__(self) -> None:
        self.name_key = validate.key(self.name)


@dataclass(frozen=True)
class Outcome:
    position: str
    action: str  # created, merged, unchanged, skipped, invalid
    name: str
    contact_id: int | None = None
    reason: str | None = None
    # the record's values that differ from the contact it merged into, written into
    # that contact's notes: (field, value)
    kept_aside: tuple[tuple[str, str], ...] = ()
    replaced: int = 0  # characters replaced because they cannot be stored (NUL)
    order: int = field(default=0, compare=False)  # file order (creations are batched)

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "action": self.action,
            "name": self.name,
            "contact_id": self.contact_id,
            "reason": self.reason,
            "kept_aside": [{"field": f, "value": v} for f, v in self.kept_aside],
            "replaced_characters": self.replaced,
        }

    @property
    def worth_a_word(self) -> bool:
        """Listed in the report even without --dry-run: not simply created."""
        return self.action != "created" or bool(self.replaced)


@dataclass
class ImportReport:
    source: str
    format: str
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def kept_aside(self) -> int:
        """Records whose differing values were written into a contact's notes."""
        return sum(1 for o in self.outcomes if o.kept_aside)

    @property
    def replaced(self) -> tuple[int, int]:
        """(characters replaced, records they were in)."""
        hit = [o.replaced for o in self.outcomes if o.replaced]
        return sum(hit), len(hit)

    def listed(self) -> list[Outcome]:
        """The records a report lists: with --dry-run every one (what would be created
        or merged), otherwise those that were not simply created."""
        return [o for o in self.outcomes if self.dry_run or o.worth_a_word]

    def to_dict(self) -> dict[str, Any]:
        characters, records = self.replaced
        return {
            "source": self.source,
            "format": self.format,
            "dry_run": self.dry_run,
            "created": self.count("created"),
            "merged": self.count("merged"),
            "unchanged": self.count("unchanged"),
            "skipped": self.count("skipped"),
            "invalid": self.count("invalid"),
            "kept_aside": self.kept_aside,
            "replaced_characters": characters,
            "records_with_replaced_characters": records,
            "records": [o.to_dict() for o in self.listed()],
        }


# -- pass 1: validate ---------------------------------------------------------------------


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
        raw = record.cadence if key == "cadence_days" else getattr(record, key)
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
            from minicrm.contacts.service import stage as check_stage

            fields[key] = check_stage(str(raw))
        elif key == "cadence_days":
            fields[key] = validate.cadence(str(raw))
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
            key = _item_key(kind, keyer, value)
            if key in seen:
                continue  # the same value twice in one record: keep one
            seen.add(key)
            cleaned.append((_label(label) if label else None, value, key))
        items[kind] = cleaned
    tags = list(dict.fromkeys(_tag(t) for t in record.tags if t and t.strip()))
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
def _tag(raw: str) -> str:
    return validate.tag(raw)


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


def _prepared(
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


# -- pass 2: match, then create / merge / skip ----------------------------------------------


class _Index:
    """What this import created or merged into, so later records in the same file can
    match it. Into a database that had no contacts it is the whole truth, and matching
    needs no query (100,000 records: 200,000 fewer SELECTs)."""

    def __init__(self, complete: bool = False) -> None:
        self.complete = complete
        self.uid: dict[str, int] = {}
        self.email: dict[str, int] = {}
        self.name: dict[str, int] = {}
        self.with_email: set[int] = set()

    def add(self, contact_id: int, p: Prepared) -> None:
        if p.uid:
            self.uid[p.uid] = contact_id
        for _label, _value, key in p.items["emails"]:
            self.email.setdefault(key, contact_id)
            self.with_email.add(contact_id)
        self.name.setdefault(p.name_key, contact_id)


def _match(store: Store, p: Prepared, index: _Index) -> tuple[int, str] | None:
    look = not index.complete
    if p.uid:
        found = index.uid.get(p.uid) or (look and queries.contact_by_uid(store, p.uid))
        if found:
            return found, "same uid"
    for _label, value, key in p.items["emails"]:
        found = index.email.get(key) or (look and queries.contact_by_email(store, key))
        if found:
            return found, f"same email {value}"
    found = index.name.get(p.name_key) or (look and queries.contact_by_name(store, p.name_key))
    if found and not (p.items["emails"] and _has_emails(store, found, index)):
        # Same name, and no emails on both sides to tell them apart. Two "Ann Lee" with
        # different addresses are two people: neither shares an email with the other.
        return found, "same name"
    return None


def _has_emails(store: Store, contact_id: int, index: _Index) -> bool:
    if contact_id in index.with_email:
        return True
    return not index.complete and queries.has_emails(store, contact_id)


def run_import(
    store: Store,
    records: Records | Callable[[], Records],
    *,
    source: str,
    fmt: str,
    on_duplicate: str = "merge",
    tags: Iterable[str] = (),
    skip_invalid: bool = False,
    dry_run: bool = False,
    photos: str = "keep",
    progress: Callable[[int, int | None], None] | None = None,
    count_unstorable: bool = True,
    measure: Callable[[], tuple[int, int]] | None = None,
) -> ImportReport:
    """Import ``records`` into ``store`` in one transaction (rolled back for ``dry_run``).

    One pass: each record is read, validated, matched and written in turn; a bad record
    (unless ``skip_invalid``), an error or Ctrl-C rolls the whole transaction back, so
    nothing is written unless everything is. ``records`` may also be a function that
    gives them. Each record is parsed once: a 100,000-row file is never held in memory
    as records, nor read twice. ``progress(done, total)`` is called as it goes: with
    ``measure`` (how much of the source has been read, and its size, e.g. in
    characters) it gets those, else the number of records so far and None.
    """
    if on_duplicate not in POLICIES:
        raise InvalidInput(f"unknown --on-duplicate {on_duplicate!r}", hint="merge, skip or new")
    if photos not in ("keep", "drop"):
        raise InvalidInput(f"unknown --photos {photos!r}", hint="keep or drop")
    extra_tags = [validate.tag(t) for t in tags]
    read = records if callable(records) else lambda: records
    report = ImportReport(source=source, format=fmt, dry_run=dry_run)
    bad: list[RecordError] = []

    def good() -> Iterator[Prepared]:
        for p in _prepared(
            read(),
            skip_invalid=skip_invalid,
            photos=photos,
            bad=bad,
            count_unstorable=count_unstorable,
        ):
            if extra_tags:
                p.tags = list(dict.fromkeys([*p.tags, *extra_tags]))
            yield p

    try:
        with store.large_cache(), store.transaction():
            with queries.indexes_built_after(store, enabled=not queries.any_contacts(store)):
                _apply(store, good(), on_duplicate, report, _reporter(progress, measure), source)
            if dry_run:
                raise _DryRun("dry run: rolled back")
    except _DryRun:  # the contacts it would create do not exist: no ids for them
        report.outcomes = [
            replace(o, contact_id=None) if o.action == "created" else o for o in report.outcomes
        ]
    report.outcomes.sort(key=lambda o: o.order)  # new contacts are written in batches
    report.outcomes[:0] = [Outcome(e.position, "invalid", "", reason=e.message) for e in bad]
    return report


class _DryRun(MinicrmError):
    """Raised inside the transaction to roll a dry run back."""


def _apply(
    store: Store,
    good: Iterable[Prepared],
    policy: str,
    report: ImportReport,
    progress: Callable[[int, bool], None] | None,
    source: str,
) -> None:
    index = _Index(complete=not queries.any_contacts(store))
    pending: list[Prepared] = []
    pending_names: set[str] = set()
    company_ids: dict[str, int] = {}
    for number, p in enumerate(good, start=1):
        p.order = number
        if progress and number % 500 == 0:
            progress(number, False)
        match = None if policy == "new" else _match(store, p, index)
        if match is None and pending and _touches(p, pending_names):
            _flush(store, pending, index, report, company_ids)
            pending_names.clear()
            match = None if policy == "new" else _match(store, p, index)
        if match is None:
            if policy == "new" and p.uid and queries.contact_by_uid(store, p.uid):
                p.uid = None  # a copy: it gets a uid of its own
            pending.append(p)
            pending_names.update(_keys(p))
            if len(pending) >= BATCH:
                _flush(store, pending, index, report, company_ids)
                pending_names.clear()
            continue
        contact_id, why = match
        if policy == "skip":
            report.outcomes.append(
                Outcome(
                    p.position,
                    "skipped",
                    p.name,
                    contact_id,
                    f"duplicate of #{contact_id} ({why})",
                    replaced=p.replaced,
                    order=p.order,
                )
            )
            continue
        changed, kept = _merge(store, contact_id, p, company_ids)
        for _label, _value, key in p.items["emails"]:  # the contact has them all now
            index.email.setdefault(key, contact_id)
            index.with_email.add(contact_id)
        report.outcomes.append(
            Outcome(
                p.position,
                "merged" if changed else "unchanged",
                p.name,
                contact_id,
                f"matched #{contact_id} ({why})",
                kept_aside=tuple(kept),
                replaced=p.replaced,
                order=p.order,
            )
        )
    _flush(store, pending, index, report, company_ids)
    if progress:
        progress(len(report.outcomes), True)


def _reporter(
    progress: Callable[[int, int | None], None] | None,
    measure: Callable[[], tuple[int, int]] | None,
) -> Callable[[int, bool], None] | None:
    """``progress`` as the import loop calls it, (records so far, finished): from
    ``measure`` when there is one, so a bar is sized by the source and not by a count of
    its records (which would parse every record twice)."""
    if progress is None:
        return None

    def report(records: int, finished: bool) -> None:
        if measure is None:
            progress(records, records if finished else None)
            return
        done, total = measure()
        progress(total if finished else min(done, total), total)

    return report


def _keys(p: Prepared) -> set[str]:
    """What a later record could match this one by (see :func:`_match`): its uid, its
    emails, and its name, marked by whether it has emails (a name only matches where
    one of the two sides has none)."""
    keys = {"e:" + key for _l, _v, key in p.items["emails"]}
    if p.uid:
        keys.add("u:" + p.uid)
    keys.add(("n+:" if p.items["emails"] else "n-:") + p.name_key)
    return keys


def _touches(p: Prepared, pending_keys: set[str]) -> bool:
    """Would ``p`` match a contact still waiting in the batch? Then flush first."""
    keys = {k for k in _keys(p) if not k.startswith("n")}
    keys.add("n-:" + p.name_key)
    if not p.items["emails"]:
        keys.add("n+:" + p.name_key)
    return bool(keys & pending_keys)


def _company_id(store: Store, name: str | None, cache: dict[str, int]) -> int | None:
    if not name:
        return None
    key = validate.company_key(name)
    if key not in cache:
        cache[key] = companies.find_or_create(store, name)
    return cache[key]


def _flush(
    store: Store,
    pending: list[Prepared],
    index: _Index,
    report: ImportReport,
    company_ids: dict[str, int],
) -> None:
    if not pending:
        return
    stamp = clock.utc_stamp()
    rows = [
        {
            "uid": p.uid or new_uid(),
            "display_name": p.name,
            "name_key": p.name_key,
            **{key: p.fields.get(key) for key in SCALARS},
            "company_id": _company_id(store, p.company, company_ids),
            # most records have neither: no json.dumps for them (200,000 calls a 100k import)
            "custom": json.dumps(p.custom, ensure_ascii=False, sort_keys=True)
            if p.custom
            else "{}",
            "vcard_extra": json.dumps(p.vcard_extra, ensure_ascii=False) if p.vcard_extra else "[]",
            "photo": p.photo,
            "archived": int(p.archived),
            "created_at": stamp,
            "updated_at": stamp,
        }
        for p in pending
    ]
    ids = store.insert_many("contacts", rows)
    for _kind, table, _check, keyer in CHILD_KINDS:
        children = []
        for contact_id, p in zip(ids, pending, strict=True):
            for position, (label, value, key) in enumerate(p.items[_kind]):
                children.append(
                    child_row(contact_id, label, value, position, key if keyer else None)
                )
        store.insert_many(table, children)
    store.insert_many(
        "contact_tags",
        [
            {"contact_id": cid, "tag": tag}
            for cid, p in zip(ids, pending, strict=True)
            for tag in p.tags
        ],
    )
    for contact_id, p in zip(ids, pending, strict=True):
        index.add(contact_id, p)
        report.outcomes.append(
            Outcome(p.position, "created", p.name, contact_id, replaced=p.replaced, order=p.order)
        )
    pending.clear()


def _merge(
    store: Store, contact_id: int, p: Prepared, company_ids: dict[str, int]
) -> tuple[bool, list[tuple[str, str]]]:
    """Fill what is empty, add what is new; never overwrite what the user has.

    A value of the record that differs from the contact's is not dropped: as a merge
    does, it is written into the contact's notes, on a line naming the record
    ("Imported from line 3 of people.csv on 2026-11-22: title: CTO"), and returned as
    kept aside. A value the notes already hold (a second import of the same file) is not
    kept again, so that import finds nothing new. Returns (changed, kept aside)."""
    row = store.get("contacts", contact_id)
    assert row is not None
    changes: dict[str, object] = {}
    kept: list[tuple[str, str]] = []
    for key, value in p.fields.items():
        if value is None or value == "" or key == "notes":
            continue
        have = row.get(key)
        if have is None or have == "":
            changes[key] = value
        elif key == "birthday" and _birthday_fill(str(have), str(value)):
            changes[key] = value  # the full date of the same day: a year gained
        elif not _same(have, value) and not _birthday_fill(str(value), str(have)):
            kept.append((_FIELD_NAMES.get(key, key), _shown(key, value)))
    if validate.key(row["display_name"]) != p.name_key:
        kept.append(("name", p.name))
    if p.company:
        if row["company_id"] is None:
            changes["company_id"] = _company_id(store, p.company, company_ids)
        elif validate.company_key(p.company) != validate.company_key(
            queries.company_name(store, row["company_id"])
        ):
            kept.append(("company", p.company))
    owner = f"contact #{contact_id}"  # a damaged value is refused only if it would be written
    custom = (
        jsonvalues.read_strict("contacts", "custom", contact_id, row["custom"], owner)
        if p.custom
        else {}
    )
    new_custom = {k: v for k, v in p.custom.items() if k not in custom}
    if new_custom:
        changes["custom"] = json.dumps({**custom, **new_custom}, ensure_ascii=False, sort_keys=True)
    kept += [(k, v) for k, v in sorted(p.custom.items()) if k in custom and custom[k] != v]
    extra = (
        jsonvalues.read_strict("contacts", "vcard_extra", contact_id, row["vcard_extra"], owner)
        if p.vcard_extra
        else []
    )
    new_extra = [line for line in p.vcard_extra if line not in extra]
    if new_extra:
        changes["vcard_extra"] = json.dumps(extra + new_extra, ensure_ascii=False)
    if p.photo and not row["photo"]:
        changes["photo"] = p.photo
    notes = row["notes"] or ""
    kept = [(f, v) for f, v in kept if f"{f}: {v}" not in notes]  # kept by an earlier run
    parts = [notes] if notes else []
    their_notes = p.fields.get("notes")
    if their_notes and their_notes.strip() not in notes:
        if notes:
            kept.insert(0, ("notes", their_notes))
        parts.append(their_notes)
    listed = [(f, v) for f, v in kept if f != "notes"]
    if listed:
        day = clock.now().date().isoformat()
        items = "; ".join(f"{f}: {v}" for f, v in listed)
        parts.append(f"Imported from {p.position} on {day}: {items}")
    if "\n\n".join(parts) != notes:
        changes["notes"] = "\n\n".join(parts)
    changed = store.update("contacts", contact_id, changes) if changes else False
    for kind, table, _check, keyer in CHILD_KINDS:
        existing = queries.child_rows(store, table, contact_id)
        have_keys = {_item_key(kind, keyer, r["value"]) for r in existing}
        position = max((r["position"] for r in existing), default=-1)
        for label, value, key in p.items[kind]:
            if key in have_keys:
                continue
            position += 1
            store.insert(
                table, child_row(contact_id, label, value, position, key if keyer else None)
            )
            have_keys.add(key)
            changed = True
    tags = queries.tags_of(store, contact_id)
    for tag in p.tags:
        if tag not in tags:
            store.insert("contact_tags", {"contact_id": contact_id, "tag": tag})
            changed = True
    if changed:
        store.update("contacts", contact_id, {"updated_at": clock.utc_stamp()})
    return changed, kept


_FIELD_NAMES = {"cadence_days": "keep_in_touch_days"}


def _shown(key: str, value: object) -> str:
    return f"{value}d" if key == "cadence_days" else str(value)


def _same(have: object, value: object) -> bool:
    """Equal, or the same text but for case, accents and spacing."""
    if isinstance(have, str) and isinstance(value, str):
        return have == value or validate.key(have) == validate.key(value)
    return have == value


def _birthday_fill(partial: str, full: str) -> bool:
    """Is ``full`` (1990-05-17) the same day as ``partial`` (--05-17), with its year?"""
    return partial.startswith("--") and not full.startswith("--") and full[4:] == partial[1:]


def _item_key(kind: str, keyer: Callable[[str], str] | None, value: str) -> str:
    """How two values of a kind are compared: emails and phones by their own keys,
    dates as stored (already normalised), the rest ignoring case, accents and spaces."""
    if keyer is not None:
        return keyer(value)
    return value if kind == "dates" else validate.key(value)


def import_source(
    store: Store,
    path: str,
    *,
    fmt: str = "auto",
    encoding: str | None = None,
    mapping: Iterable[str] = (),
    on_duplicate: str = "merge",
    tags: Iterable[str] = (),
    skip_invalid: bool = False,
    dry_run: bool = False,
    photos: str = "keep",
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportReport:
    """Import a file, ``-`` (stdin) or a folder of .vcf files. ``progress(done, total)``
    is told how many characters of the source have been read, of how many.

    A minicrm JSON dump going into an empty database is restored as it was, ids included;
    everything else goes through duplicate matching (:func:`run_import`).
    """
    from minicrm.interchange import sources
    from minicrm.interchange.formats import jsondump

    if fmt not in sources.FORMATS:
        raise InvalidInput(f"unknown import format {fmt!r}", hint=", ".join(sources.FORMATS))
    raw = sources.read_bytes(path)
    texts = [(name, sources.decode(name, data, encoding)) for name, data in raw]
    chosen = fmt if fmt != "auto" else sources.detect(*texts[0])
    mapping_items = list(mapping)
    if mapping_items and chosen not in ("csv", "google", "outlook"):
        raise InvalidInput("--map is for CSV files", hint=f"this is read as {chosen}")
    column_map = None
    if mapping_items:
        from minicrm.interchange.formats import csvfmt

        column_map = csvfmt.parse_mapping(mapping_items)
    label = "stdin" if path == "-" else path
    if chosen == "json" and len(texts) == 1:
        data = sources.load_json(*texts[0])
        from minicrm.db import dump as dump_queries

        plain = on_duplicate == "merge" and not list(tags) and photos == "keep"
        if jsondump.is_dump(data) and plain and dump_queries.is_empty(store):
            return _restore(store, data, label, dry_run)

    meter = sources.Meter()
    size = sum(len(text) for _name, text in texts)
    records = sources.records(
        chosen,
        texts,
        mapping=column_map,
        csv_kind="auto" if fmt == "auto" else chosen,
        meter=meter,
    )

    return run_import(
        store,
        records,
        source=label,
        fmt=chosen,
        on_duplicate=on_duplicate,
        tags=tags,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        photos=photos,
        progress=progress,
        count_unstorable=any(validate.UNSTORABLE in text for _name, text in texts),
        measure=lambda: (meter.done, size),
    )


def _restore(store: Store, data: dict[str, Any], label: str, dry_run: bool) -> ImportReport:
    from minicrm.interchange import exports

    report = ImportReport(source=label, format="json (restore)", dry_run=dry_run)
    exports.check_restore(store, data)
    contacts = data.get("tables", {}).get("contacts", [])
    if not dry_run:
        exports.restore(store, data)
    report.outcomes += [
        Outcome(f"contact #{row.get('id')}", "created", str(row.get("display_name")), row.get("id"))
        for row in contacts
    ]
    return report
