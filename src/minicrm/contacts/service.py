"""Contacts: the domain operations the CLI and scripts share.

Functions take a :class:`~minicrm.db.store.Store` first, validate what the user typed,
run their writes in one transaction, and return :class:`~minicrm.contacts.models.Contact` records.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from minicrm.activity import followups, interactions
from minicrm.contacts import companies, queries, refs
from minicrm.contacts.models import Contact, ContactLine, Labelled
from minicrm.core import clock, validate
from minicrm.core.errors import Conflict, InvalidInput, NotFound
from minicrm.core.ids import new_uid
from minicrm.core.models import Ref
from minicrm.db import jsonvalues
from minicrm.db.store import Row, Store

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

SORT_KEYS = tuple(queries.CONTACT_SORTS)

# The field terms `ls` takes, with an example each.
LS_FIELDS = {
    "tag": "tag:vip",
    "company": "company:acme",
    "stage": "stage:lead",
    "email": "email:@acme.io",
    "stale": "stale:yes",
    "archived": "archived:all",
}


@dataclass(frozen=True)
class _Kind:
    table: str
    what: str
    check: Callable[[str], str]
    key: Callable[[str], str] | None


KINDS = {
    "emails": _Kind("contact_emails", "email", validate.email, validate.email_key),
    "phones": _Kind("contact_phones", "phone", validate.phone, validate.phone_key),
    "addresses": _Kind("contact_addresses", "address", validate.address, None),
    "urls": _Kind("contact_urls", "URL", validate.url, None),
    "dates": _Kind("contact_dates", "date", validate.important_date, None),
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


# -- reading ----------------------------------------------------------------------------


def _build(rows: Sequence[Row], store: Store) -> list[Contact]:
    ids = [r["id"] for r in rows]
    children = {kind: queries.contact_children(store, k.table, ids) for kind, k in KINDS.items()}
    tags = queries.contact_children(store, "contact_tags", ids)
    result = []
    for r in rows:
        cid = r["id"]
        result.append(
            Contact(
                id=cid,
                uid=r["uid"],
                name=r["display_name"],
                given_name=r["given_name"],
                family_name=r["family_name"],
                nickname=r["nickname"],
                title=r["title"],
                company=Ref(r["company_id"], r["company_uid"], r["company_name"])
                if r["company_id"] is not None
                else None,
                emails=tuple(Labelled(c["value"], c["label"]) for c in children["emails"][cid]),
                phones=tuple(Labelled(c["value"], c["label"]) for c in children["phones"][cid]),
                addresses=tuple(
                    Labelled(c["value"], c["label"]) for c in children["addresses"][cid]
                ),
                urls=tuple(Labelled(c["value"], c["label"]) for c in children["urls"][cid]),
                dates=tuple(Labelled(c["value"], c["label"]) for c in children["dates"][cid]),
                birthday=r["birthday"],
                tags=tuple(t["tag"] for t in tags[cid]),
                stage=r["stage"],
                source=r["source"],
                custom=jsonvalues.read(store, "contacts", "custom", cid, r["custom"]),
                cadence_days=r["cadence_days"],
                archived=bool(r["archived"]),
                last_contacted_at=r["last_contacted_at"],
                notes=r["notes"],
                vcard_extra=tuple(
                    jsonvalues.read(store, "contacts", "vcard_extra", cid, r["vcard_extra"])
                ),
                photo=r["photo"],
                created_at=r["created_at"],
                updated_at=r["updated_at"],
            )
        )
    return result


def _load(store: Store, contact_id: int) -> Contact:
    row = queries.contact_row(store, contact_id)
    if row is None:
        raise NotFound(f"no contact #{contact_id}")
    return _build([row], store)[0]


def get_contact(store: Store, ref: str | int) -> Contact:
    """The contact named by ``ref`` (id, ``#id``, email or unique name fragment)."""
    with store.snapshot():
        return _load(store, _resolve(store, ref))


def _resolve(store: Store, ref: str | int) -> int:
    return refs.contact_id(store, str(ref) if isinstance(ref, int) else ref)


def list_contacts(
    store: Store,
    *,
    query: str | None = None,
    tags: Sequence[str] = (),
    company: str | None = None,
    stage: str | None = None,
    archived: bool | None = False,
    sort: str = "name",
    reverse: bool = False,
    limit: int | None = None,
    terms: Sequence[str] = (),
    on: object = None,
) -> list[Contact]:
    """Contacts matching every filter, whole. ``archived``: False (default) hides archived
    contacts, True shows only them, None shows all. ``terms`` are what `ls` takes as
    arguments: field terms (tag:vip, company:acme, stage:lead, email:@acme.io,
    stale:yes|no, archived:yes|no|all) and words matched against names and emails."""
    criteria = dict(
        query=query, tags=tags, company=company, stage=stage, archived=archived, sort=sort,
        reverse=reverse, limit=limit, terms=terms, on=on,
    )  # fmt: skip
    with store.snapshot():
        return _build(queries.contact_rows(store, _contact_filter(store, **criteria)), store)


def iter_contacts(store: Store, *, batch: int = 1_000, **criteria: Any) -> Iterator[Contact]:
    """Like :func:`list_contacts` (the same keyword arguments), whole contacts one at a
    time, read ``batch`` at a time in one read transaction: an export of 100,000 contacts
    holds one batch, not all of them."""
    with store.snapshot():
        flt = _contact_filter(store, **criteria)
        for rows in queries.contact_row_batches(store, flt, batch):
            yield from _build(rows, store)


def load_contacts(store: Store, ids: Sequence[int]) -> list[Contact]:
    """Whole contacts by id (archived or not), in id order, 500 ids a query."""
    found: list[Contact] = []
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), 500):
        flt = queries.ContactFilter(ids=ordered[start : start + 500], archived=None, sort="id")
        found += _build(list(queries.contact_rows(store, flt)), store)
    return found


def list_contact_lines(store: Store, **criteria: Any) -> list[ContactLine]:
    """Like :func:`list_contacts` (the same keyword arguments), but only what a listing
    shows, in one query: id, name, company, first email and phone, tags, stage (20,000
    contacts: ~60 ms of SQL, not ~800 ms for whole contacts)."""
    with store.snapshot():
        return list(iter_contact_lines(store, **criteria))


def iter_contact_lines(store: Store, **criteria: Any) -> Iterator[ContactLine]:
    """:func:`list_contact_lines` as the rows are read: a terminal draws its first screen
    of 100,000 contacts before the last one is read. The criteria are checked at once."""
    rows = queries.contact_rows(store, _contact_filter(store, **criteria), lines=True, stream=True)
    return (
        ContactLine(
            id=r["id"],
            name=r["display_name"],
            company=r["company_name"],
            email=r["email"],
            phone=r["phone"],
            tags=tuple(r["tags"].split("\x1f")) if r["tags"] else (),
            stage=r["stage"],
            archived=bool(r["archived"]),
        )
        for r in rows
    )


def _contact_filter(
    store: Store,
    *,
    query: str | None = None,
    tags: Sequence[str] = (),
    company: str | None = None,
    stage: str | None = None,
    archived: bool | None = False,
    sort: str = "name",
    reverse: bool = False,
    limit: int | None = None,
    terms: Sequence[str] = (),
    on: object = None,
) -> queries.ContactFilter:
    """The query filter for :func:`list_contacts`' criteria (validated)."""
    words = [query] if query else []
    tags = list(tags)
    email_key = stale = None
    for term in terms:
        name, sep, value = term.partition(":")
        field_name = name.lower()
        if not sep or field_name not in LS_FIELDS:
            words.append(term)
            continue
        value = value.strip()
        if not value:
            raise InvalidInput(f"{field_name}: needs a value", hint=f"e.g. {LS_FIELDS[field_name]}")
        if field_name == "tag":
            tags.append(value)
        elif field_name == "company":
            company = value
        elif field_name == "stage":
            stage = value
        elif field_name == "email":
            email_key = validate.email_key(value)
        elif field_name in ("stale", "archived"):
            choice = value.lower()
            allowed = ("yes", "no", "all") if field_name == "archived" else ("yes", "no")
            if choice not in allowed:
                raise InvalidInput(
                    f"{field_name}:{value} is not one of {', '.join(allowed)}",
                    hint=f"e.g. {LS_FIELDS[field_name]}",
                )
            if field_name == "stale":
                stale = choice == "yes"
            else:
                archived = {"yes": True, "no": False, "all": None}[choice]
    query = " ".join(words) or None
    if sort not in queries.CONTACT_SORTS:
        raise InvalidInput(f"cannot sort by {sort!r}", hint=f"one of: {', '.join(SORT_KEYS)}")
    if limit is not None and limit < 0:
        raise InvalidInput("--limit must be 0 or more", hint="e.g. --limit 50")
    flt = queries.ContactFilter(
        tags=[validate.tag(t) for t in tags],
        stage=_stage(stage) if stage else None,
        archived=archived,
        text_key=validate.key(query) if query and query.strip() else None,
        sort=sort,
        reverse=reverse,
        limit=limit,
    )
    if company is not None:
        flt.company_id = refs.company_id(store, company)
    flt.email_key = email_key
    if stale is not None:
        from minicrm.activity import views  # views imports this module

        stale_ids = {item.contact.id for item in views.stale(store, on=on)}  # type: ignore[arg-type]
        if stale:
            flt.ids = sorted(stale_ids)
        else:
            flt.exclude_ids = sorted(stale_ids)
    return flt


def contacts_sharing_emails(store: Store, contact: Contact) -> list[tuple[str, int, str]]:
    """(email, other contact id, other name) for each of ``contact``'s emails that
    another contact has too. The CLI prints these as notes after ``add``/``edit``."""
    shared = []
    for email in contact.emails:
        for row in queries.contacts_sharing_email(
            store, validate.email_key(email.value), contact.id
        ):
            shared.append((email.value, row["id"], row["display_name"]))
    return shared


def namesakes(store: Store, contact: Contact, *, limit: int = 5) -> list[tuple[Row, bool]]:
    """Other contacts with exactly the same name (``limit`` at most), each with whether it
    is at the same company too. The CLI prints these as notes after ``add``."""
    rows = queries.contacts_with_name_key(store, validate.key(contact.name), contact.id, limit)
    company_id = contact.company.id if contact.company else None
    return [(r, company_id is not None and r["company_id"] == company_id) for r in rows]


# -- writing ----------------------------------------------------------------------------


def stage(value: str) -> str:
    """A stage name checked against the configured list."""
    return _stage(value)


def _stage(value: str) -> str:
    from minicrm.core.config import load_config  # tomllib: only when a stage is given

    stage = value.strip().lower()
    stages = load_config().contact_stages
    if stage not in stages:
        raise InvalidInput(
            f"unknown stage {value!r}", hint=f"one of: {', '.join(stages)} (configurable)"
        )
    return stage


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
            columns["birthday"] = validate.birthday(value, clock.now().date())
        elif column == "stage":
            columns["stage"] = _stage(value) if value else None
        elif column == "cadence_days":
            columns["cadence_days"] = validate.cadence(value)
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
    added, removed, _, _ = _change_tags(store, contact_id, add, remove)
    return bool(added or removed)


def _change_tags(
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
        return _load(store, contact_id)


def update_contact(
    store: Store, ref: str | int, changes: ContactChanges, *, expected: Contact | None = None
) -> tuple[Contact, bool]:
    """Apply ``changes`` to one contact. Returns (contact, whether anything changed).

    With ``expected`` (the contact as it was read before a long edit), refuse if the
    contact changed in the meantime, instead of overwriting someone else's change.
    """
    with store.transaction():
        contact_id = _resolve(store, ref)
        if expected is not None and _load(store, contact_id) != expected:
            raise Conflict(
                f"#{contact_id} {expected.name} was changed by another command while you "
                "were editing; nothing was saved",
                hint="run the edit again",
            )
        changed = _apply_changes(store, contact_id, changes)
        if changed:
            store.update("contacts", contact_id, {"updated_at": clock.utc_stamp()})
        return _load(store, contact_id), changed


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
        ids = list(dict.fromkeys(_resolve(store, r) for r in refs_))
        results = []
        for contact_id in ids:
            added, removed, present, absent = _change_tags(store, contact_id, add, remove)
            if added or removed:
                store.update("contacts", contact_id, {"updated_at": clock.utc_stamp()})
            results.append(
                TagChange(
                    _load(store, contact_id),
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


def set_archived(store: Store, refs_: Sequence[str], archived: bool) -> list[tuple[Contact, bool]]:
    with store.transaction():
        ids = list(dict.fromkeys(_resolve(store, r) for r in refs_))
        results = []
        for contact_id in ids:
            changed = store.update("contacts", contact_id, {"archived": int(archived)})
            if changed:
                store.update("contacts", contact_id, {"updated_at": clock.utc_stamp()})
            results.append((_load(store, contact_id), changed))
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
        contact_id = _resolve(store, ref)
        row = queries.contact_dependents(store, contact_id)
        counts = Dependents(row["own"], row["shared"], row["followups"], row["deals"])
        return _load(store, contact_id), counts


def remove_contact(store: Store, ref: str | int) -> Contact:
    """Delete a contact and everything that belongs to it. Returns what was deleted."""
    with store.transaction():
        contact_id = _resolve(store, ref)
        contact = _load(store, contact_id)
        interactions.detach_contact(store, contact_id)
        followups.remove_for_contact(store, contact_id)
        from minicrm.deals import service as deals

        deals.unlink_contact(store, contact_id)
        for table in ("contact_tags", *(k.table for k in KINDS.values())):
            for row in queries.contact_children(store, table, [contact_id])[contact_id]:
                store.delete(table, row["id"])
        store.delete("contacts", contact_id)
        return contact


# -- keep-in-touch cadence per tag ------------------------------------------------------


@dataclass(frozen=True)
class TagCadence:
    tag: str
    days: int

    def to_dict(self) -> dict[str, object]:
        return {"tag": self.tag, "keep_in_touch_days": self.days}


def tag_cadences(store: Store) -> list[TagCadence]:
    from minicrm.activity import queries as activity

    return [TagCadence(r["tag"], r["days"]) for r in activity.tag_cadence_rows(store)]


def set_tag_cadence(store: Store, tag: str, cadence: str) -> tuple[TagCadence | None, bool]:
    """Give every contact tagged ``tag`` a keep-in-touch cadence (a contact's own wins);
    ``none`` removes it. Returns (the cadence or None, whether anything changed)."""
    from minicrm.activity import queries as activity

    clean = validate.tag(tag)
    days = validate.cadence(cadence)
    with store.transaction():
        row = activity.tag_cadence_row(store, clean)
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
