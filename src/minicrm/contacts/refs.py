"""Turning what the user typed (``12``, ``#12``, an email, a name fragment) into a record id."""

from __future__ import annotations

import re

from minicrm.contacts import queries
from minicrm.core import ids, validate
from minicrm.core.errors import Ambiguous, InvalidInput, NotFound
from minicrm.db.store import Store

_ID = re.compile(r"^#?(\d{1,18})$")

REF_FORMS = "an id (12 or #12), an email, or a unique part of the name"


def contact_id(store: Store, ref: str) -> int:
    """Resolve a contact reference. Never picks silently among several matches."""
    raw = validate.text(ref, "contact reference", max_len=validate.MAX_NAME)
    if raw is None:
        raise InvalidInput("contact reference must not be empty", hint=f"give {REF_FORMS}")
    if m := _ID.match(raw):
        cid = int(m.group(1))
        if store.get("contacts", cid) is None:
            raise NotFound(f"no contact #{cid}", hint="minicrm ls lists contacts with their ids")
        return cid
    if "@" in raw:
        ids = queries.contact_ids_by_email(store, validate.email_key(raw))
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            rows = queries.contact_rows(
                store, queries.ContactFilter(ids=ids, archived=None, sort="id"), lines=True
            )
            raise Ambiguous(
                f"{len(ids)} contacts have the email {raw!r}", [(r["id"], _label(r)) for r in rows]
            )
    wanted = validate.key(raw)
    exact, partial = queries.contacts_by_name(store, wanted)
    if len(exact) == 1:
        return exact[0]["id"]
    matches = exact or partial
    if len(matches) == 1:
        return matches[0]["id"]
    if not matches:
        raise NotFound(f"no contact matches {raw!r}", hint=f"give {REF_FORMS}")
    raise Ambiguous(
        f"{raw!r} matches {len(matches)}{'+' if len(matches) >= 50 else ''} contacts",
        [(r["id"], _label(r)) for r in matches],
    )


def company_id(store: Store, ref: str) -> int:
    raw = validate.text(ref, "company reference", max_len=validate.MAX_NAME)
    if raw is None:
        raise InvalidInput("company reference must not be empty", hint="give an id or a name")
    if m := _ID.match(raw):
        cid = int(m.group(1))
        if store.get("companies", cid) is None:
            raise NotFound(f"no company #{cid}", hint="minicrm company ls lists companies")
        return cid
    row = queries.company_by_key(store, validate.company_key(raw))
    if row is not None:
        return row["id"]
    by_domain = _company_by_domain(store, raw)
    if by_domain is not None:
        return by_domain
    matches = queries.companies_by_fragment(store, validate.company_key(raw))
    if len(matches) == 1:
        return matches[0]["id"]
    if not matches:
        raise NotFound(f"no company matches {raw!r}", hint="minicrm company ls lists companies")
    raise Ambiguous(
        f"{raw!r} matches {len(matches)} companies", [(r["id"], r["name"]) for r in matches]
    )


_DOMAIN = re.compile(r"^@?([a-z0-9-]+(?:\.[a-z0-9-]+)+)$")


def _company_by_domain(store: Store, raw: str) -> int | None:
    """``acme.io`` (or ``@acme.io``): the company with that domain, else the one whose
    people have emails there (not for gmail.com and other mail services)."""
    m = _DOMAIN.match(raw.strip().lower())
    if m is None:
        return None
    domain = m.group(1)
    for rows in (
        queries.companies_by_domain(store, domain),
        [] if domain in queries.FREE_MAIL else queries.companies_by_email_domain(store, domain),
    ):
        if len(rows) == 1:
            return int(rows[0]["id"])
        if len(rows) > 1:
            raise Ambiguous(
                f"{raw!r} is the domain of {len(rows)} companies",
                [(r["id"], r["name"]) for r in rows],
            )
    return None


def deal_contact(store: Store, ref: str | int) -> tuple[int, int | None]:
    """(deal id, its contact id) for linking a follow-up or interaction to the deal."""
    did = ids.parse_id(ref, "deal", example=3)
    row = store.get("deals", did)
    if row is None:
        raise NotFound(f"no deal #{did}", hint="minicrm deal ls --status all lists them")
    return did, row["contact_id"]


def _label(row: dict) -> str:
    """``Kenji Tanaka (kenji@globex.example, Globex; archived)``: what tells two
    candidates with one name apart."""
    about = ", ".join(v for v in (row.get("email"), row.get("company_name")) if v)
    if row["archived"]:
        about = f"{about}; archived" if about else "archived"
    return row["display_name"] + (f" ({about})" if about else "")
