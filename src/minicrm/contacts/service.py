"""Contacts: the domain operations the CLI and scripts share.

Functions take a :class:`~minicrm.db.store.Store` first, validate what the user typed,
run their writes in one transaction, and return :class:`~minicrm.contacts.models.Contact` records.
This module changes contacts; :mod:`minicrm.contacts.reading` reads them and
:mod:`minicrm.contacts.tags` tags them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from minicrm.activity import followups, interactions
from minicrm.contacts import companies, queries, refs
from minicrm.contacts.models import Contact
from minicrm.contacts.reading import KINDS, checked_stage, load_contact, resolve_id
from minicrm.contacts.tags import change_tag_rows
from minicrm.core import clock, validate
from minicrm.core.errors import Conflict, InvalidInput, NotFound
from minicrm.core.ids import new_uid
from minicrm.db import jsonvalues
from minicrm.db.store import Store

# Scalar fields a user may set, by the names they may use (for --set and edit).
FIELD_NAMES = {
    "name": "display_name",
    "display_name": "display_name",
    "given": "given_name",
    "given_name": "given_name",
    "family": "family_name",
    "family_name": "family_name",
    "nickname": "nickname",
    "title": "title",
    "company": "company",
    "birthday": "birthday",
    "stage": "stage",
    "source": "source",
    "every": "cadence_days",
    "cadence": "cadence_days",
    "keep_in_touch_days": "cadence_days",
    "notes": "notes",
}


@dataclass
class ContactChanges:
    """What to change on a contact. Strings are as the user typed them.

    ``fields`` maps a name from FIELD_NAMES to a new value ("" clears it); the list
    fields add or remove emails/phones/addresses/URLs (``label:value`` sets a label)
    and tags; ``custom`` sets custom fields ("" removes one).
    """

    fields: dict[str, str] = field(default_factory=dict)
    add: dict[str, list[str]] = field(default_factory=dict)  # kind -> values
    remove: dict[str, list[str]] = field(default_factory=dict)
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    custom: dict[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (
            self.fields
            or any(self.add.values())
            or any(self.remove.values())
            or self.add_tags
            or self.remove_tags
            or self.custom
        )

    def set_assignments(self, assignments: Iterable[str]) -> None:
        """Apply ``key=value`` strings: a known field name sets it, any other is custom."""
        for item in assignments:
            name, value = validate.assignment(item)
            if name.lower() in FIELD_NAMES:
                self.fields[name.lower()] = value
            else:
                self.custom[validate.custom_key(name)] = value


def _columns(store: Store, fields: dict[str, str]) -> dict[str, object]:
    """Validate user field values and turn them into column values."""
    columns: dict[str, object] = {}
    for name, raw in fields.items():
        column = FIELD_NAMES.get(name.lower())
        if column is None:
            raise InvalidInput(
                f"unknown field {name!r}", hint=f"one of: {', '.join(sorted(set(FIELD_NAMES)))}"
            )
        value = raw.strip() if raw is not None else ""
        if column == "display_name":
            clean = validate.required_name(value)
            columns.update(display_name=clean, name_key=validate.key(clean))
        elif column == "company":
            columns["company_id"] = _company(store, value) if value else None
        elif column == "birthday":
            columns["birthday"] = validate.birthday(value)
        elif column == "stage":
            columns["stage"] = checked_stage(value) if value else None
        elif column == "cadence_days":
            columns["cadence_days"] = validate.cadence_days(value)
        elif column == "notes":
            columns["notes"] = validate.text(raw or "", "notes", max_len=validate.MAX_TEXT)
        else:
            max_len = validate.MAX_NAME if column.endswith("name") else validate.MAX_FIELD
            columns[column] = validate.text(value, name, max_len=max_len)
    return columns


def _company(store: Store, value: str) -> int:
    """``#3`` names an existing company by id; anything else is a name, found
    case-insensitively or created."""
    if value.startswith("#"):
        return refs.company_id(store, value)
    return companies.find_or_create(store, value)


def _parse_item(kind: str, raw: str) -> tuple[str | None, str]:
    label, value = validate.split_label(raw)
    return label, KINDS[kind].check(value)


def _add_items(store: Store, contact_id: int, kind: str, values: Sequence[str]) -> bool:
    spec = KINDS[kind]
    existing = queries.contact_children(store, spec.table, [contact_id])[contact_id]
    seen = {(spec.key or validate.key)(r["value"]) for r in existing}
    position = max((r["position"] for r in existing), default=-1)
    for raw in values:
        label, value = _parse_item(kind, raw)
        item_key = (spec.key or validate.key)(value)
        if item_key in seen:
            raise InvalidInput(
                f"{spec.what} {value!r} is given twice or already on this contact",
                hint=f"give each {spec.what} once",
            )
        seen.add(item_key)
        position += 1
        store.insert(
            spec.table,
            child_row(contact_id, label, value, position, item_key if spec.key else None),
        )
    return bool(values)


def child_row(
    contact_id: int, label: str | None, value: str, position: int, value_key: str | None
) -> dict[str, object]:
    """A row of a contact's emails, phones, addresses, URLs or dates (value_key only for
    the kinds that are looked up by it: emails and phones)."""
    row: dict[str, object] = {
        "contact_id": contact_id,
        "label": label,
        "value": value,
        "position": position,
    }
    if value_key is not None:
        row["value_key"] = value_key
    return row


def _remove_items(store: Store, contact_id: int, kind: str, values: Sequence[str]) -> bool:
    spec = KINDS[kind]
    existing = queries.contact_children(store, spec.table, [contact_id])[contact_id]
    keyer = spec.key or (validate.important_date if kind == "dates" else validate.key)
    for raw in values:
        _, value = validate.split_label(raw)
        wanted = keyer(value)
        matches = [r for r in existing if keyer(r["value"]) == wanted]
        if not matches:
            have = ", ".join(r["value"] for r in existing) or "none"
            raise NotFound(
                f"the contact has no {spec.what} {value.strip()!r}", hint=f"it has: {have}"
            )
        for row in matches:
            store.delete(spec.table, row["id"])
            existing.remove(row)
    return bool(values)


def _set_tags(store: Store, contact_id: int, add: Sequence[str], remove: Sequence[str]) -> bool:
    added, removed, _, _ = change_tag_rows(store, contact_id, add, remove)
    return bool(added or removed)


def _apply_custom(store: Store, contact_id: int, custom: dict[str, str]) -> bool:
    if not custom:
        return False
    row = store.get("contacts", contact_id)
    assert row is not None
    values = jsonvalues.read_strict(
        "contacts", "custom", contact_id, row["custom"], f"contact #{contact_id}"
    )
    for name, raw in custom.items():
        name = validate.custom_key(name)
        value = validate.text(raw, f"field {name}", max_len=validate.MAX_FIELD)
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return store.update(
        "contacts", contact_id, {"custom": json.dumps(values, ensure_ascii=False, sort_keys=True)}
    )


def _apply_changes(store: Store, contact_id: int, changes: ContactChanges) -> bool:
    changed = False
    columns = _columns(store, changes.fields)
    if columns:
        changed |= store.update("contacts", contact_id, columns)
    for kind in KINDS:
        changed |= _remove_items(store, contact_id, kind, changes.remove.get(kind, []))
        changed |= _add_items(store, contact_id, kind, changes.add.get(kind, []))
    changed |= _set_tags(store, contact_id, changes.add_tags, changes.remove_tags)
    changed |= _apply_custom(store, contact_id, changes.custom)
    return changed


def add_contact(store: Store, name: str, changes: ContactChanges | None = None) -> Contact:
    """Create a contact called ``name`` with everything in ``changes``."""
    changes = changes or ContactChanges()
    clean = validate.required_name(name)
    for kind in changes.remove:
        if changes.remove[kind]:
            raise InvalidInput(f"cannot remove {kind} from a new contact")
    with store.transaction():
        stamp = clock.utc_stamp()
        contact_id = store.insert(
            "contacts",
            {
                "uid": new_uid(),
                "display_name": clean,
                "name_key": validate.key(clean),
                "custom": "{}",
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        _apply_changes(store, contact_id, changes)
        return load_contact(store, contact_id)


def update_contact(
    store: Store, ref: str | int, changes: ContactChanges, *, expected: Contact | None = None
) -> tuple[Contact, bool]:
    """Apply ``changes`` to one contact. Returns (contact, whether anything changed).

    With ``expected`` (the contact as it was read before a long edit), refuse if the
    contact changed in the meantime, instead of overwriting someone else's change.
    """
    with store.transaction():
        contact_id = resolve_id(store, ref)
        if expected is not None and load_contact(store, contact_id) != expected:
            raise Conflict(
                f"#{contact_id} {expected.name} was changed by another command while you "
                "were editing; nothing was saved",
                hint="run the edit again",
            )
        changed = _apply_changes(store, contact_id, changes)
        if changed:
            store.update("contacts", contact_id, {"updated_at": clock.utc_stamp()})
        return load_contact(store, contact_id), changed


def set_archived(store: Store, refs_: Sequence[str], archived: bool) -> list[tuple[Contact, bool]]:
    with store.transaction():
        ids = list(dict.fromkeys(resolve_id(store, r) for r in refs_))
        results = []
        for contact_id in ids:
            changed = store.update("contacts", contact_id, {"archived": int(archived)})
            if changed:
                store.update("contacts", contact_id, {"updated_at": clock.utc_stamp()})
            results.append((load_contact(store, contact_id), changed))
        return results


@dataclass(frozen=True)
class Dependents:
    """What deleting a contact deletes with it (its own interactions, its follow-ups) and
    what stays (interactions shared with others, deals, which lose their contact)."""

    interactions: int
    shared_interactions: int
    followups: int
    deals: int


def dependents(store: Store, ref: str | int) -> tuple[Contact, Dependents]:
    """The contact and what goes or stays with it if it is deleted (for `rm`'s question)."""
    with store.snapshot():
        contact_id = resolve_id(store, ref)
        row = queries.contact_dependents(store, contact_id)
        counts = Dependents(row["own"], row["shared"], row["followups"], row["deals"])
        return load_contact(store, contact_id), counts


def remove_contact(store: Store, ref: str | int) -> Contact:
    """Delete a contact and everything that belongs to it. Returns what was deleted."""
    with store.transaction():
        contact_id = resolve_id(store, ref)
        contact = load_contact(store, contact_id)
        interactions.detach_contact(store, contact_id)
        followups.remove_for_contact(store, contact_id)
        from minicrm.deals import service as deals  # lazy: start-up

        deals.unlink_contact(store, contact_id)
        for table in ("contact_tags", *(k.table for k in KINDS.values())):
            for row in queries.contact_children(store, table, [contact_id])[contact_id]:
                store.delete(table, row["id"])
        store.delete("contacts", contact_id)
        return contact
