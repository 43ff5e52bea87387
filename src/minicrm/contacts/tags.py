"""Tags: adding and removing them on contacts (saying what was so already), and the
keep-in-touch cadence a tag gives everyone who has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from minicrm.activity import queries as activity_queries
from minicrm.contacts import queries
from minicrm.contacts.models import Contact
from minicrm.contacts.reading import load_contact, resolve_id
from minicrm.core import clock, validate
from minicrm.core.errors import InvalidInput
from minicrm.db.store import Store


def change_tag_rows(
    store: Store, contact_id: int, add: Sequence[str], remove: Sequence[str]
) -> tuple[list[str], list[str], list[str], list[str]]:
    """(added, removed, asked to add but there already, asked to remove but absent)."""
    current = {
        r["tag"]: r["id"]
        for r in queries.contact_children(store, "contact_tags", [contact_id])[contact_id]
    }
    added: list[str] = []
    removed: list[str] = []
    present: list[str] = []
    absent: list[str] = []
    for tag in dict.fromkeys(validate.tag(t) for t in add):
        if tag not in current:
            current[tag] = store.insert("contact_tags", {"contact_id": contact_id, "tag": tag})
            added.append(tag)
        else:
            present.append(tag)
    for tag in dict.fromkeys(validate.tag(t) for t in remove):
        if tag in current:
            store.delete("contact_tags", current.pop(tag))
            removed.append(tag)
        elif tag not in added:
            absent.append(tag)
    return added, removed, present, absent


@dataclass(frozen=True)
class TagChange:
    """What `tag`/`untag` did to one contact, and what it found already so."""

    contact: Contact
    added: tuple[str, ...]
    removed: tuple[str, ...]
    present: tuple[str, ...]  # asked to add, and the contact had it already
    absent: tuple[str, ...]  # asked to remove, and the contact did not have it

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def change_tags(
    store: Store, refs_: Sequence[str], add: Sequence[str] = (), remove: Sequence[str] = ()
) -> list[TagChange]:
    """Add and/or remove tags on several contacts at once (one transaction), saying for
    each what was added and removed and what was so already."""
    if not add and not remove:
        raise InvalidInput("no tag given", hint="e.g. minicrm tag jane vip")
    with store.transaction():
        ids = list(dict.fromkeys(resolve_id(store, r) for r in refs_))
        results = []
        for contact_id in ids:
            added, removed, present, absent = change_tag_rows(store, contact_id, add, remove)
            if added or removed:
                store.update("contacts", contact_id, {"updated_at": clock.utc_stamp()})
            results.append(
                TagChange(
                    load_contact(store, contact_id),
                    tuple(added),
                    tuple(removed),
                    tuple(present),
                    tuple(absent),
                )
            )
        return results


def tag_contacts(
    store: Store, refs_: Sequence[str], add: Sequence[str] = (), remove: Sequence[str] = ()
) -> list[tuple[Contact, bool]]:
    """Add and/or remove tags on several contacts at once (one transaction)."""
    return [(c.contact, c.changed) for c in change_tags(store, refs_, add, remove)]


@dataclass(frozen=True)
class TagCadence:
    tag: str
    cadence_days: int

    def to_dict(self) -> dict[str, object]:
        return {"tag": self.tag, "keep_in_touch_days": self.cadence_days}


@dataclass(frozen=True)
class TagCount:
    """A tag in use: how many contacts have it (archived ones too, and how many of them
    are archived), and its keep-in-touch cadence in days if it has one."""

    tag: str
    contacts: int
    archived: int
    cadence_days: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "tag": self.tag,
            "contacts": self.contacts,
            "archived": self.archived,
            "keep_in_touch_days": self.cadence_days,
        }


def tag_counts(store: Store) -> list[TagCount]:
    """Every tag in use, the most used first (``minicrm tag ls``)."""
    with store.snapshot():
        cadences = {c.tag: c.cadence_days for c in tag_cadences(store)}
        return [
            TagCount(r["tag"], r["contacts"], r["archived"], cadences.get(r["tag"]))
            for r in queries.tag_counts(store)
        ]


def tag_cadences(store: Store) -> list[TagCadence]:
    return [TagCadence(r["tag"], r["days"]) for r in activity_queries.tag_cadence_rows(store)]


def set_tag_cadence(store: Store, tag: str, cadence: str) -> tuple[TagCadence | None, bool]:
    """Give every contact tagged ``tag`` a keep-in-touch cadence (a contact's own wins);
    ``none`` removes it. Returns (the cadence or None, whether anything changed)."""
    clean = validate.tag(tag)
    days = validate.cadence_days(cadence)
    with store.transaction():
        row = activity_queries.tag_cadence_row(store, clean)
        stamp = clock.utc_stamp()
        if days is None:
            if row is None:
                return None, False
            store.delete("tag_cadences", row["id"])
            return None, True
        if row is None:
            store.insert(
                "tag_cadences",
                {"tag": clean, "days": days, "created_at": stamp, "updated_at": stamp},
            )
            return TagCadence(clean, days), True
        changed = store.update("tag_cadences", row["id"], {"days": days})
        if changed:
            store.update("tag_cadences", row["id"], {"updated_at": stamp})
        return TagCadence(clean, days), changed
