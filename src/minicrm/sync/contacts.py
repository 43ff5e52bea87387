"""The contacts kind of the sync core: a contact is one vCard file.

What is compared and merged (``Item.fields``) is what minicrm reads from a card, so both
sides go through the same reader: a contact is written as a card (``to_vcard(...,
sync=True)``, the UID its file has had) and read back, a file is read. Fields: name,
given_name, family_name, nickname, title, company, emails, phones, addresses, urls,
dates (lists of [label, value], merged item by item), birthday, tags, notes, stage,
source, cadence_days, ``custom.KEY`` (one field per custom field), photo, and ``extra`` (the
properties minicrm does not model, kept as lines).

A card applied to a contact replaces what it says: a value the card removed is removed,
a changed number replaces the old one, a label is updated. Values are validated as
``minicrm add`` validates them; a card that fails is reported and left for the next run.
Archived contacts do not sync (their files are removed; a deleted file archives the
contact when ``[sync] deleted = "archive"``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from minicrm.contacts import companies, reading
from minicrm.contacts import service as contacts
from minicrm.contacts.models import Contact
from minicrm.contacts.service import child_row
from minicrm.core import clock, validate
from minicrm.core.config import SyncConfig
from minicrm.db import jsonvalues
from minicrm.db.store import Store
from minicrm.interchange.formats.vcard import parse_vcards, to_vcard
from minicrm.interchange.formats.vcard.write import FIELD_KEY
from minicrm.interchange.incoming import Incoming, RecordError
from minicrm.interchange.prepare import prepare
from minicrm.sync import cardtext, queries
from minicrm.sync.core import Item, ItemError, Lost

_SCALARS = (
    "name",
    "given_name",
    "family_name",
    "nickname",
    "title",
    "company",
    "birthday",
    "notes",
    "stage",
    "source",
    "cadence_days",
    "photo",
)
_LISTS = ("emails", "phones", "addresses", "urls", "dates")
_TABLES = {
    "emails": ("contact_emails", validate.email_key),
    "phones": ("contact_phones", validate.phone_key),
    "addresses": ("contact_addresses", None),
    "urls": ("contact_urls", None),
    "dates": ("contact_dates", None),
}


def fields_of(record: Incoming) -> dict[str, Any]:
    """The fields the sync compares, from a card as read."""
    out: dict[str, Any] = {}
    for name in _SCALARS:
        value = getattr(record, name)
        if value not in (None, ""):
            out[name] = value
    for name in _LISTS:
        items = [[label, value] for label, value in getattr(record, name)]
        if items:
            out[name] = items
    # a set in minicrm: the order a card gives them is no change. Compared as the tags
    # they make (validate.tag_of_label: a phone's "Book Club" is minicrm's book-club), so
    # a card is not rewritten for them and its CATEGORIES line is kept as it is
    tags = {made for t in record.tags if (made := validate.tag_of_label(t))}
    if tags:
        out["tags"] = sorted(tags)
    for key, value in sorted(record.custom.items()):
        out[f"custom.{key}"] = value
    if record.vcard_extra:
        out["extra"] = list(record.vcard_extra)
    return out


def _read(text: str) -> dict[str, Any]:
    """The fields of a card (or a fragment of one), whatever its UID."""
    records = list(parse_vcards(text))
    if len(records) != 1 or isinstance(records[0], RecordError):
        raise ItemError("not one readable card")
    return fields_of(records[0])


def record_of(fields: Mapping[str, Any], position: str) -> Incoming:
    record = Incoming(position=position)
    for name in _SCALARS:
        if name in fields:
            setattr(record, name, fields[name])
    for name in _LISTS:
        setattr(record, name, [(label, value) for label, value in fields.get(name, [])])
    record.tags = list(fields.get("tags", []))
    record.custom = {k[7:]: v for k, v in fields.items() if k.startswith("custom.")}
    record.vcard_extra = list(fields.get("extra", []))
    return record


class ContactsKind:
    name = "contacts"
    noun = "contact"
    fileext = ".vcf"

    def __init__(self, version: str = "3.0") -> None:
        self.version = version

    # reading

    def parse(self, text: str) -> Item:
        records = list(parse_vcards(text))
        if len(records) != 1:
            raise ItemError(f"holds {len(records)} cards, not one")
        record = records[0]
        if isinstance(record, RecordError):
            raise ItemError(record.message)
        if not record.card_uid:
            raise ItemError("the card has no UID")
        return Item(record.card_uid, fields_of(record), text, record.name or record.card_uid)

    def rebase(self, item: Item, reference: Item) -> Item:
        """``item`` (a card rebuilt from the contact) keeping ``reference``'s lines (the
        card the folder holds) for every value minicrm did not change."""
        text = cardtext.rebase(item.text, item.fields, reference.text, reference.fields, _read)
        return item if text == item.text else Item(item.uid, item.fields, text, item.label)

    def card(self, contact: Contact, uid: str) -> Item:
        return self.parse(to_vcard(contact, version=self.version, uid=uid, sync=True))

    # the local side

    def changed_since(self, store: Store, changeset: int | None) -> set[str] | None:
        if changeset is None:
            return None
        uids = queries.changed_uids(store, changeset, queries.CONTACT_ENTITIES)
        moved = queries.changed_rows(store, changeset, "companies")
        if moved:
            uids |= queries.contact_uids_of_companies(store, moved)
        return uids

    def load(
        self, store: Store, local_uids: Collection[str] | None, item_uids: Mapping[str, str]
    ) -> dict[str, Item]:
        if local_uids is None:
            ids = queries.active_contact_ids(store)
        else:
            found = queries.contact_ids(store, local_uids)
            ids = [cid for cid, archived in found.values() if not archived]
        out: dict[str, Item] = {}
        for contact in reading.load_contacts(store, ids):
            if contact.archived:
                continue
            out[contact.uid] = self.card(contact, item_uids.get(contact.uid, contact.uid))
        return out

    def find(self, store: Store, item: Item, taken: set[str]) -> str | None:
        candidates = [item.uid]
        if item.uid.lower().startswith("urn:uuid:"):
            candidates.append(item.uid[9:])  # `import` and `export` strip and add it
        found = queries.contact_ids(store, candidates)
        for uid in candidates:
            if uid in found and uid not in taken:
                return uid
        for _label, value in item.fields.get("emails", []):
            for uid, archived in queries.contact_uids_by_email(store, validate.email_key(value)):
                if not archived and uid not in taken:
                    return uid
        return None

    def apply(self, store: Store, local_uid: str | None, fields: dict[str, Any], item: Item) -> str:
        try:
            p = prepare(record_of(fields, item.label or item.uid))
        except RecordError as exc:
            raise ItemError(exc.message) from None
        uid = local_uid or item.uid
        stamp = clock.utc_stamp()
        found = queries.contact_ids(store, [uid]).get(uid)
        custom = dict(p.custom)
        if found is not None:  # fields no card can carry stay as they are
            have = store.get("contacts", found[0])
            assert have is not None
            stored = jsonvalues.read(store, "contacts", "custom", found[0], have["custom"])
            custom.update({k: v for k, v in stored.items() if not FIELD_KEY.fullmatch(k)})
        row = {
            "display_name": p.name,
            "name_key": p.name_key,
            **{key: p.fields.get(key) for key in _COLUMNS},
            "company_id": companies.find_or_create(store, p.company) if p.company else None,
            "custom": json.dumps(custom, ensure_ascii=False, sort_keys=True),
            "vcard_extra": json.dumps(p.vcard_extra, ensure_ascii=False),
            "photo": p.photo,
            "archived": 0,
        }
        if found is None:
            contact_id = store.insert(
                "contacts", {"uid": uid, **row, "created_at": stamp, "updated_at": stamp}
            )
            changed = True
        else:
            contact_id = found[0]
            changed = store.update("contacts", contact_id, row)
        for kind, (table, keyer) in _TABLES.items():
            want = [(label, value) for label, value, _key in p.items[kind]]
            rows = queries.contact_children(store, table, contact_id)
            if [(r["label"], r["value"]) for r in rows] == want:
                continue
            for r in rows:
                store.delete(table, r["id"])
            for position, (label, value, key) in enumerate(p.items[kind]):
                store.insert(
                    table, child_row(contact_id, label, value, position, key if keyer else None)
                )
            changed = True
        have = {r["tag"]: r["id"] for r in queries.contact_tag_rows(store, contact_id)}
        for tag, row_id in have.items():
            if tag not in p.tags:
                store.delete("contact_tags", row_id)
                changed = True
        for tag in p.tags:
            if tag not in have:
                store.insert("contact_tags", {"contact_id": contact_id, "tag": tag})
                changed = True
        if changed and found is not None:
            store.update("contacts", contact_id, {"updated_at": stamp})
        return uid

    def remove(self, store: Store, local_uid: str, archive: bool) -> str:
        found = queries.contact_ids(store, [local_uid]).get(local_uid)
        if found is None:
            return "deleted"
        if archive:
            if store.update("contacts", found[0], {"archived": 1}):
                store.update("contacts", found[0], {"updated_at": clock.utc_stamp()})
            return "archived"
        contacts.remove_contact(store, f"#{found[0]}")
        return "deleted"

    def keep_lost(self, store: Store, local_uid: str, lost: list[Lost], where: str) -> str:
        found = queries.contact_ids(store, [local_uid]).get(local_uid)
        if found is None:
            return "the sync report"
        row = store.get("contacts", found[0])
        assert row is not None
        day = clock.now().date().isoformat()
        for entry in lost:
            side = "the folder" if entry.winner == "minicrm" else "minicrm"
            text = f"Sync conflict on {day} ({where}): {side} had {entry.field}: {self.show(entry.field, entry.lost)}"
            notes = row["notes"] or ""
            if text in notes:
                continue
            notes = f"{notes}\n\n{text}" if notes else text
            store.update("contacts", found[0], {"notes": notes, "updated_at": clock.utc_stamp()})
            row["notes"] = notes
        return "the contact's notes"

    def show(self, field: str, value: Any) -> str:
        if isinstance(value, list):
            return "; ".join(
                (f"{v[0]}: {v[1]}" if v[0] else str(v[1]))
                if isinstance(v, list) and len(v) == 2
                else str(v)
                for v in value
            )
        if field == "photo":
            return "(a photo)"
        return "" if value is None else str(value)


_COLUMNS = (
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


def make_kind(config: SyncConfig) -> ContactsKind:
    return ContactsKind(config.version)
