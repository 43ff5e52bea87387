"""Pass 2 of an import: each prepared record matched against what is already there (by
uid, then any email, then exact name) and created, merged or skipped. New contacts go
in by ``executemany`` in batches, history written in bulk by SQLite; merges go through
the ordinary write path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from minicrm.contacts import companies
from minicrm.contacts.service import child_row
from minicrm.core import clock, validate
from minicrm.core.ids import new_uid
from minicrm.db import jsonvalues
from minicrm.db.store import Store
from minicrm.interchange import queries
from minicrm.interchange.models import ImportReport, Outcome, Prepared
from minicrm.interchange.prepare import CHILD_KINDS, SCALARS, item_key

BATCH = 1_000


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


def apply_records(
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
        have_keys = {item_key(kind, keyer, r["value"]) for r in existing}
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
