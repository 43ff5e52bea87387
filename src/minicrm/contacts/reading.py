"""Reading contacts: one by id or reference, a contact's page (what ``show`` shows), listings
filtered by ``ls``'s terms (whole records, or the one line a listing shows, also as a
stream), and the notes ``add`` prints (another contact with the same email, the same name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from minicrm.activity import followups, interactions
from minicrm.activity import queries as activity_queries
from minicrm.activity.models import FollowUp, Interaction
from minicrm.contacts import queries, refs
from minicrm.contacts.models import Contact, ContactLine, Labelled
from minicrm.core import validate
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput, NotFound
from minicrm.core.models import Ref
from minicrm.db import jsonvalues
from minicrm.db.store import Row, Store

if TYPE_CHECKING:  # annotations only: the deals modules load for a contact with deals
    from minicrm.deals.models import Deal

SORT_KEYS = tuple(queries.CONTACT_SORTS)


# The field terms `ls` takes, with an example each.
LS_FIELDS = {
    "tag": "tag:vip",
    "company": "company:acme",
    "stage": "stage:lead",
    "email": "email:@acme.io",
    "stale": "stale:yes",
    "archived": "archived:all",
    "deal": "deal:open",
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


def load_contact(store: Store, contact_id: int) -> Contact:
    row = queries.contact_row(store, contact_id)
    if row is None:
        raise NotFound(f"no contact #{contact_id}")
    return _build([row], store)[0]


def get_contact(store: Store, ref: str | int) -> Contact:
    """The contact named by ``ref`` (id, ``#id``, email or unique name fragment)."""
    with store.snapshot():
        return load_contact(store, resolve_id(store, ref))


@dataclass
class ContactPage:
    """Everything `show` puts on one screen: the card, open follow-ups, latest
    interactions, the next due item and the deals."""

    contact: Contact
    open_followups: tuple[FollowUp, ...]
    interactions: tuple[Interaction, ...]
    next_due: FollowUp | None
    deals: tuple[Deal, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = self.contact.to_dict()
        data["open_followups"] = [f.to_dict() for f in self.open_followups]
        data["recent_interactions"] = [i.to_dict() for i in self.interactions]
        data["next_due"] = self.next_due.to_dict() if self.next_due else None
        data["deals"] = [d.to_dict() for d in self.deals]
        return data


def contact_page(store: Store, ref: str, *, interactions_limit: int = 5) -> ContactPage:
    """A contact's card, open follow-ups, latest interactions, next due item and deals."""
    with store.snapshot():
        contact_id = refs.contact_id(store, ref)
        contact = load_contact(store, contact_id)
        open_items = followups.list_followups(store, contact=f"#{contact_id}")
        recent = interactions.build(
            store,
            activity_queries.interaction_rows_for_contact(store, contact_id, interactions_limit),
        )
        return ContactPage(
            contact=contact,
            open_followups=tuple(open_items),
            interactions=tuple(recent),
            next_due=open_items[0] if open_items else None,
            deals=_deals_of(store, contact_id),
        )


def _deals_of(store: Store, contact_id: int) -> tuple[Deal, ...]:
    """The contact's deals; the deals module (with the config file, money and their
    patterns) is loaded only for a contact that has any."""
    from minicrm.deals import queries as deals_queries  # lazy: start-up

    if not deals_queries.deal_rows(store, contact_id=contact_id):
        return ()
    from minicrm.deals import service as deals  # lazy: start-up

    return tuple(deals.deals_of_contact(store, contact_id))


def resolve_id(store: Store, ref: str | int) -> int:
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
    on: When | None = None,
) -> list[Contact]:
    """Contacts matching every filter, whole. ``archived``: False (default) hides archived
    contacts, True shows only them, None shows all. ``terms`` are what `ls` takes as
    arguments: field terms (tag:vip, company:acme, stage:lead, email:@acme.io,
    stale:yes|no, archived:yes|no|all) and words matched against names and emails."""
    with store.snapshot():
        flt = _contact_filter(
            store, query=query, tags=tags, company=company, stage=stage, archived=archived,
            sort=sort, reverse=reverse, limit=limit, terms=terms, on=on,
        )  # fmt: skip
        rows = queries.contact_rows(store, flt)
        assert isinstance(rows, list)  # not streamed
        return _build(rows, store)


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
    shows, in one query: id, name, company, first email and phone, tags, stage (a small
    part of what reading whole contacts costs)."""
    with store.snapshot():
        return list(iter_contact_lines(store, **criteria))


def iter_contact_lines(
    store: Store, *, next_due: bool = False, **criteria: Any
) -> Iterator[ContactLine]:
    """:func:`list_contact_lines` as the rows are read: a terminal draws its first screen
    of 100,000 contacts before the last one is read. The criteria are checked at once.
    With ``next_due``, each line also has its next open follow-up's due date."""
    rows = queries.contact_rows(
        store, _contact_filter(store, **criteria), lines=True, stream=True, next_due=next_due
    )
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
            title=r["title"],
            last_contacted_at=r["last_contacted_at"],
            next_due=r["next_due"],
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
    on: When | None = None,
) -> queries.ContactFilter:
    """The query filter for :func:`list_contacts`' criteria (validated)."""
    words = [query] if query else []
    tags = list(tags)
    email_key = stale = None
    deal_terms: list[str] = []
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
        elif field_name == "deal":
            deal_terms.append(value)
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
        stage=checked_stage(stage) if stage else None,
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
        from minicrm.activity import views  # lazy: start-up (only for stale:)

        stale_ids = {item.contact.id for item in views.stale(store, on=on)}
        if stale:
            flt.ids = sorted(stale_ids)
        else:
            flt.exclude_ids = sorted(stale_ids)
    if deal_terms:
        # lazy: start-up (config and money: only for deal:)
        from minicrm.deals import service as deals  # lazy: start-up

        keep: set[int] | None = None
        for value in deal_terms:
            found = deals.contacts_with_deal(store, value)
            keep = found if keep is None else keep & found
        assert keep is not None
        flt.ids = sorted(keep if flt.ids is None else keep & set(flt.ids))
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


def checked_stage(value: str) -> str:
    """A contact stage as typed, checked against the configured list."""
    # lazy: start-up (the config file is read only when a stage is given)
    from minicrm.core.config import load_config

    stage = value.strip().lower()
    stages = load_config().contact_stages
    if stage not in stages:
        raise InvalidInput(
            f"unknown stage {value!r}", hint=f"one of: {', '.join(stages)} (configurable)"
        )
    return stage
