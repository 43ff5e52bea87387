"""The company page: everything about a company in one read.

- its people (archived ones too), each with title, email, phone, last contact and how
  many open follow-ups they have;
- the open follow-ups of its people and of its deals, in due order;
- its deals and its people's deals, open first, with the open and won totals per currency;
- the timeline across its people (and its deals), newest first;
- the last contact: the latest interaction with any of its people;
- the domain its people's emails suggest (the one most of them use, mail services such
  as gmail.com left out), beside the one stored with ``company edit --domain``; the page
  shows the stored one, else the inferred one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from minicrm.activity import followups
from minicrm.activity.models import FollowUp
from minicrm.company_page import queries
from minicrm.contacts import companies
from minicrm.contacts.models import Company
from minicrm.contacts.queries import FREE_MAIL
from minicrm.core.errors import InvalidInput
from minicrm.db.store import Store

DEFAULT_TIMELINE = 10
MAX_TIMELINE = 10_000


@dataclass
class Person:
    id: int
    uid: str
    name: str
    title: str | None
    email: str | None
    phone: str | None
    archived: bool
    last_contacted_at: str | None
    open_followups: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "title": self.title,
            "email": self.email,
            "phone": self.phone,
            "archived": self.archived,
            "last_contacted_at": self.last_contacted_at,
            "open_followups": self.open_followups,
        }


@dataclass
class CompanyPage:
    company: Company
    inferred_domain: str | None
    people: list[Person]
    open_followups: list[FollowUp]
    deals: list[Any]  # minicrm.deals.models.Deal
    open_totals: tuple[Any, ...]  # minicrm.deals.pipeline.MoneyTotal per currency
    won_totals: tuple[Any, ...]
    timeline: list[Any]  # minicrm.feed.service.Event, newest first
    timeline_limit: int

    @property
    def last_contacted_at(self) -> str | None:
        stamps = [p.last_contacted_at for p in self.people if p.last_contacted_at]
        return max(stamps) if stamps else None

    @property
    def domain(self) -> str | None:
        return self.company.domain or self.inferred_domain

    def to_dict(self) -> dict[str, Any]:
        data = self.company.to_dict()
        data["contacts"] = [{"id": p.id, "uid": p.uid, "name": p.name} for p in self.people]
        data.update(
            {
                "inferred_domain": self.inferred_domain,
                "last_contacted_at": self.last_contacted_at,
                "people": [p.to_dict() for p in self.people],
                "open_followups": [f.to_dict() for f in self.open_followups],
                "deals": [d.to_dict() for d in self.deals],
                "deal_totals": {
                    "open": [t.to_dict() for t in self.open_totals],
                    "won": [t.to_dict() for t in self.won_totals],
                },
                "timeline": [e.to_dict() for e in self.timeline],
            }
        )
        return data


def inferred_domain(store: Store, company_id: int) -> str | None:
    """The email domain most of the company's people use (mail services left out)."""
    for domain, _ in queries.email_domains(store, company_id):
        if domain and domain not in FREE_MAIL:
            return domain
    return None


def company_page(store: Store, ref: str, *, timeline: int = DEFAULT_TIMELINE) -> CompanyPage:
    if not 0 <= timeline <= MAX_TIMELINE:
        raise InvalidInput(f"--timeline {timeline} is out of range", hint=f"0 to {MAX_TIMELINE:,}")
    from minicrm.deals import pipeline  # lazy: start-up
    from minicrm.deals import service as deals
    from minicrm.feed import service as feed

    with store.snapshot():
        company = companies.get_company(store, ref)
        people = [
            Person(
                r["id"],
                r["uid"],
                r["display_name"],
                r["title"],
                r["email"],
                r["phone"],
                bool(r["archived"]),
                r["last_contacted_at"],
                r["open_followups"],
            )
            for r in queries.people(store, company.id)
        ]
        open_items = [
            followups.get_followup(store, fid)
            for fid in queries.open_followup_ids(store, company.id)
        ]
        its_deals = deals.deals_of_company(store, company.id)
        events = (
            list(
                feed.iter_events(
                    store,
                    since=date(1900, 1, 1),
                    until=date(2200, 12, 30),
                    kinds=feed.INTERACTION_KINDS,
                    company_id=company.id,
                    limit=timeline,
                )
            )
            if timeline
            else []
        )
        return CompanyPage(
            company=company,
            inferred_domain=inferred_domain(store, company.id),
            people=people,
            open_followups=open_items,
            deals=its_deals,
            open_totals=pipeline.totals(d for d in its_deals if d.status == "open"),
            won_totals=pipeline.totals(d for d in its_deals if d.status == "won"),
            timeline=events,
            timeline_limit=timeline,
        )
