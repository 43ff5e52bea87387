"""The timeline: notes, calls, emails, meetings and messages with one or more contacts.

Logging an interaction moves each contact's ``last_contacted_at`` forward, which resets
the keep-in-touch clock; editing or deleting one recomputes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from minicrm.activity import queries
from minicrm.activity.models import Interaction
from minicrm.contacts import refs
from minicrm.core import clock, dateparse, dates, validate
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput, NotFound
from minicrm.core.ids import new_uid, parse_id
from minicrm.core.models import Ref
from minicrm.db.store import Row, Store

KINDS = ("note", "call", "email", "meeting", "message")
MAX_BODY = 1_000_000  # characters; a 10 MB paste is refused, not stored


def kind(value: str) -> str:
    cleaned = value.strip().lower()
    if cleaned not in KINDS:
        raise InvalidInput(
            f"unknown interaction kind {value!r}", hint=f"one of: {', '.join(KINDS)}"
        )
    return cleaned


def body(value: str) -> str:
    text = validate.text(value, "text", max_len=MAX_BODY, required=True)
    assert text is not None
    return text


def build(store: Store, rows: Sequence[Row]) -> list[Interaction]:
    links = queries.interaction_links(store, [r["id"] for r in rows])
    return [
        Interaction(
            id=r["id"],
            uid=r["uid"],
            kind=r["kind"],
            body=r["body"],
            occurred_at=r["occurred_at"],
            contacts=tuple(Ref(c["id"], c["uid"], c["name"]) for c in links[r["id"]]),
            followup_id=r["followup_id"],
            deal_id=r.get("deal_id"),
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]


def _load(store: Store, interaction_id: int) -> Interaction:
    row = queries.interaction_row(store, interaction_id)
    if row is None:
        raise NotFound(
            f"no interaction #{interaction_id}", hint="minicrm notes REF lists them with ids"
        )
    return build(store, [row])[0]


def occurred_at(at: str | None, on: When | None) -> str:
    """When it happened, as a UTC stamp: --at WHEN (read as the past), else now.

    The timeline records what happened: today without a time is now (never a noon still
    to come); an earlier day without a time stands for its local noon, the middle of the
    day; anything later than now is refused."""
    now = dates.local_now(on)
    if at is None:
        return clock.utc_stamp(now)
    when = dateparse.parse_when(at, today=now.date(), prefer="past")
    if when.time is None and when.day == now.date():
        return clock.utc_stamp(now)
    stamp = dates.to_utc_stamp(when)
    if stamp > clock.utc_stamp(now) and (when.time is not None or when.day > now.date()):
        raise InvalidInput(
            f"--at {when.iso()} is in the future: the timeline records what happened",
            hint="use minicrm follow for what will happen",
        )
    return stamp


def touch_contact(store: Store, contact_id: int) -> None:
    """Set last_contacted_at and last_interaction_id from the contact's latest interaction
    (or None): the one place that keeps both."""
    latest = queries.latest_interaction_of_contact(store, contact_id)
    store.update(
        "contacts",
        contact_id,
        {
            "last_contacted_at": latest["occurred_at"] if latest else None,
            "last_interaction_id": latest["id"] if latest else None,
        },
    )


def create(
    store: Store,
    contact_ids: Sequence[int],
    text: str,
    *,
    kind_: str = "note",
    stamp: str,
    followup_id: int | None = None,
    deal_id: int | None = None,
) -> int:
    """Insert an interaction for resolved contacts (inside the caller's transaction)."""
    now = clock.utc_stamp()
    interaction_id = store.insert(
        "interactions",
        {
            "uid": new_uid(),
            "kind": kind_,
            "body": text,
            "occurred_at": stamp,
            "followup_id": followup_id,
            "deal_id": deal_id,
            "created_at": now,
            "updated_at": now,
        },
    )
    for contact_id in dict.fromkeys(contact_ids):
        store.insert(
            "interaction_contacts", {"interaction_id": interaction_id, "contact_id": contact_id}
        )
        touch_contact(store, contact_id)
    return interaction_id


def create_many(store: Store, entries: Sequence[tuple[Sequence[int], Row]]) -> list[int]:
    """Insert many interactions at once (inside the caller's transaction): each entry is
    its contacts' ids and its columns (kind, body, occurred_at; capture adds external_key
    and direction), the same columns in every entry. Rows and history are written in
    bulk (:meth:`Store.insert_many`), and each contact's last contacted time is set once,
    after all of them. Returns the new ids, in order."""
    if not entries:
        return []
    now = clock.utc_stamp()
    rows = [
        {
            "uid": new_uid(),
            "followup_id": None,
            "deal_id": None,
            "created_at": now,
            "updated_at": now,
            **values,
        }
        for _, values in entries
    ]
    ids = store.insert_many("interactions", rows)
    links = [
        {"interaction_id": interaction_id, "contact_id": contact_id}
        for interaction_id, (contact_ids, _) in zip(ids, entries, strict=True)
        for contact_id in dict.fromkeys(contact_ids)
    ]
    store.insert_many("interaction_contacts", links)
    for contact_id in sorted({link["contact_id"] for link in links}):
        touch_contact(store, contact_id)
    return ids


def log(
    store: Store,
    refs_: Sequence[str],
    text: str,
    *,
    kind_: str = "note",
    at: str | None = None,
    deal: str | int | None = None,
    on: When | None = None,
) -> Interaction:
    """Record an interaction with one or more contacts. With ``deal`` it concerns that
    deal, and with no contact given it is with the deal's contact."""
    if not refs_ and deal is None:
        raise InvalidInput("an interaction needs a contact", hint="minicrm log jane call 'Talked'")
    clean_kind = kind(kind_)
    clean_body = body(text)
    stamp = occurred_at(at, on)
    with store.transaction():
        ids = [refs.contact_id(store, r) for r in refs_]
        deal_id = None
        if deal is not None:
            deal_id, deal_contact_id = refs.deal_contact(store, deal)
            if not ids:
                if deal_contact_id is None:
                    raise InvalidInput(
                        f"deal #{deal_id} has no contact; say who the interaction was with",
                        hint=f"minicrm log REF TEXT --deal {deal_id}",
                    )
                ids = [deal_contact_id]
        return _load(
            store,
            create(store, ids, clean_body, kind_=clean_kind, stamp=stamp, deal_id=deal_id),
        )


def list_for_contact(store: Store, ref: str, *, limit: int | None = None) -> list[Interaction]:
    if limit is not None and limit < 0:
        raise InvalidInput("--limit must be 0 or more", hint="e.g. --limit 20")
    with store.snapshot():
        contact_id = refs.contact_id(store, ref)
        return build(store, queries.interaction_rows_for_contact(store, contact_id, limit))


def get(store: Store, interaction_id: str | int) -> Interaction:
    with store.snapshot():
        return _load(store, parse_id(interaction_id, "interaction"))


def edit(
    store: Store,
    interaction_id: str | int,
    *,
    text: str | None = None,
    kind_: str | None = None,
    at: str | None = None,
    add_refs: Sequence[str] = (),
    remove_refs: Sequence[str] = (),
    on: When | None = None,
) -> tuple[Interaction, bool]:
    iid = parse_id(interaction_id, "interaction")
    changes: dict[str, object] = {}
    if text is not None:
        changes["body"] = body(text)
    if kind_ is not None:
        changes["kind"] = kind(kind_)
    if at is not None:
        changes["occurred_at"] = occurred_at(at, on)
    with store.transaction():
        current = _load(store, iid)
        changed = store.update("interactions", iid, changes) if changes else False
        links = {c["id"]: c["link_id"] for c in queries.interaction_links(store, [iid])[iid]}
        touched = set(links)
        for ref in add_refs:
            cid = refs.contact_id(store, ref)
            if cid not in links:
                links[cid] = store.insert(
                    "interaction_contacts", {"interaction_id": iid, "contact_id": cid}
                )
                touched.add(cid)
                changed = True
        for ref in remove_refs:
            cid = refs.contact_id(store, ref)
            if cid not in links:
                raise NotFound(f"interaction #{iid} does not involve contact #{cid}")
            store.delete("interaction_contacts", links.pop(cid))
            changed = True
        if not links:
            raise InvalidInput(
                "an interaction needs at least one contact",
                hint="delete it instead: minicrm interaction rm ID",
            )
        if changed:
            store.update("interactions", iid, {"updated_at": clock.utc_stamp()})
            for cid in touched:
                touch_contact(store, cid)
        return (_load(store, iid) if changed else current), changed


def delete(store: Store, interaction_id: int) -> None:
    """Delete an interaction and its links; contacts' last-contacted times follow."""
    links = queries.interaction_links(store, [interaction_id])[interaction_id]
    for link in links:
        store.delete("interaction_contacts", link["link_id"])
    store.delete("interactions", interaction_id)
    for link in links:
        touch_contact(store, link["id"])


def remove(store: Store, interaction_id: str | int) -> Interaction:
    iid = parse_id(interaction_id, "interaction")
    with store.transaction():
        gone = _load(store, iid)
        delete(store, iid)
        return gone


def detach_contact(store: Store, contact_id: int) -> None:
    """Before a contact is deleted: remove it from its interactions, and delete the
    interactions no one else took part in."""
    for row in queries.interaction_rows_for_contact(store, contact_id):
        links = queries.interaction_links(store, [row["id"]])[row["id"]]
        if all(link["id"] == contact_id for link in links):
            delete(store, row["id"])
        else:
            for link in links:
                if link["id"] == contact_id:
                    store.delete("interaction_contacts", link["link_id"])
