"""Companies: add, find, list, edit, remove. Contacts belong to at most one."""

from __future__ import annotations

import re

from minicrm.contacts import queries, refs
from minicrm.contacts.models import Company
from minicrm.core import clock, validate
from minicrm.core.errors import Conflict, InvalidInput
from minicrm.core.ids import new_uid
from minicrm.db.store import Row, Store

_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")


def _domain(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = validate.text(value, "domain", max_len=253)
    if cleaned is None:
        return None
    cleaned = re.sub(r"^[a-z]+://", "", cleaned.lower()).rstrip("/")
    if not _DOMAIN.match(cleaned):
        raise InvalidInput(f"not a domain name: {value!r}", hint="e.g. acme.io")
    return cleaned


def _to_company(row: Row) -> Company:
    return Company(
        id=row["id"],
        uid=row["uid"],
        name=row["name"],
        domain=row["domain"],
        notes=row["notes"],
        contact_count=row.get("contact_count", 0) or 0,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _load(store: Store, company_id: int) -> Company:
    return _to_company(queries.company_rows(store, [company_id])[0])


def get_company(store: Store, ref: str) -> Company:
    return _load(store, refs.company_id(store, ref))


def list_companies(store: Store) -> list[Company]:
    return [_to_company(r) for r in queries.company_rows(store)]


def find_or_create(store: Store, name: str) -> int:
    """The id of the company called ``name`` (case-insensitive), created if new."""
    clean = validate.required_name(name, "company name")
    row = queries.company_by_key(store, validate.company_key(clean))
    if row is not None:
        return row["id"]
    stamp = clock.utc_stamp()
    return store.insert(
        "companies",
        {
            "uid": new_uid(),
            "name": clean,
            "name_key": validate.company_key(clean),
            "created_at": stamp,
            "updated_at": stamp,
        },
    )


def add_company(
    store: Store, name: str, *, domain: str | None = None, notes: str | None = None
) -> Company:
    clean = validate.required_name(name, "company name")
    dom = _domain(domain)
    note = validate.text(notes, "notes", max_len=validate.MAX_TEXT) if notes else None
    with store.transaction():
        existing = queries.company_by_key(store, validate.company_key(clean))
        if existing is not None:
            raise Conflict(
                f"company {existing['name']!r} already exists (#{existing['id']})",
                hint="company names are unique regardless of case",
            )
        cid = find_or_create(store, clean)
        store.update("companies", cid, {"domain": dom, "notes": note})
        return _load(store, cid)


def edit_company(
    store: Store,
    ref: str,
    *,
    name: str | None = None,
    domain: str | None = None,
    notes: str | None = None,
) -> tuple[Company, bool]:
    """Change a company; ``""`` clears domain or notes. Returns (company, changed)."""
    changes: dict[str, object] = {}
    if name is not None:
        clean = validate.required_name(name, "company name")
        changes.update(name=clean, name_key=validate.company_key(clean))
    if domain is not None:
        changes["domain"] = _domain(domain)
    if notes is not None:
        changes["notes"] = validate.text(notes, "notes", max_len=validate.MAX_TEXT)
    with store.transaction():
        cid = refs.company_id(store, ref)
        if "name_key" in changes:
            other = queries.company_by_key(store, str(changes["name_key"]))
            if other is not None and other["id"] != cid:
                raise Conflict(f"company {other['name']!r} already exists (#{other['id']})")
        changed = store.update("companies", cid, changes) if changes else False
        if changed:
            store.update("companies", cid, {"updated_at": clock.utc_stamp()})
        return _load(store, cid), changed


def remove_company(store: Store, ref: str) -> tuple[Company, int]:
    """Delete a company; its contacts stay, without a company. Returns (company, unlinked)."""
    with store.transaction():
        cid = refs.company_id(store, ref)
        company = _load(store, cid)
        members = queries.company_contact_ids(store, cid)
        stamp = clock.utc_stamp()
        for contact_id in members:
            store.update("contacts", contact_id, {"company_id": None, "updated_at": stamp})
        for deal_id in queries.company_deal_ids(store, cid):  # they stay, without a company
            store.update("deals", deal_id, {"company_id": None, "updated_at": stamp})
        store.delete("companies", cid)
        return company, len(members)
