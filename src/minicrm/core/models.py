"""The records minicrm returns. ``to_dict()`` is the documented JSON shape (docs/json.md).

They are plain dataclasses, not frozen ones: a frozen dataclass generates twice the
methods (``__setattr__``, ``__delattr__``, ``__hash__`` beside ``__init__``, ``__repr__``,
``__eq__``), which cost every command ~3 ms to define these 18 classes at start-up, and
sets each field through ``object.__setattr__``, which cost `due` ~10 ms for its 4,401
rows. Treat them as values all the same: nothing in minicrm changes a record once made
(``dataclasses.replace`` makes a changed copy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Labelled:
    """One email, phone, address or URL, with an optional label (work, home, ...)."""

    value: str
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value}


@dataclass
class CompanyRef:
    id: int
    uid: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "uid": self.uid, "name": self.name}


@dataclass
class ContactLine:
    """A contact as one line of a listing: what `ls` shows, read in one query."""

    id: int
    name: str
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    tags: tuple[str, ...] = ()
    stage: str | None = None
    archived: bool = False


@dataclass
class Contact:
    id: int
    uid: str
    name: str
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    title: str | None = None
    company: CompanyRef | None = None
    emails: tuple[Labelled, ...] = ()
    phones: tuple[Labelled, ...] = ()
    addresses: tuple[Labelled, ...] = ()
    urls: tuple[Labelled, ...] = ()
    dates: tuple[Labelled, ...] = ()
    birthday: str | None = None
    tags: tuple[str, ...] = ()
    stage: str | None = None
    source: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    cadence_days: int | None = None
    archived: bool = False
    last_contacted_at: str | None = None
    notes: str | None = None
    vcard_extra: tuple[str, ...] = ()  # vCard properties minicrm does not model, kept as lines
    photo: str | None = None  # the PHOTO property as a vCard line
    created_at: str = ""
    updated_at: str = ""

    @property
    def email(self) -> str | None:
        """The first (primary) email, if any."""
        return self.emails[0].value if self.emails else None

    @property
    def phone(self) -> str | None:
        return self.phones[0].value if self.phones else None

    def to_dict(self, *, include_photo: bool = False) -> dict[str, Any]:
        """The documented JSON shape. The photo itself (often large) only with
        ``include_photo`` (the JSON dump); otherwise ``has_photo`` says whether there is one."""
        data = {
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "nickname": self.nickname,
            "title": self.title,
            "company": self.company.to_dict() if self.company else None,
            "emails": [e.to_dict() for e in self.emails],
            "phones": [p.to_dict() for p in self.phones],
            "addresses": [a.to_dict() for a in self.addresses],
            "urls": [u.to_dict() for u in self.urls],
            "dates": [d.to_dict() for d in self.dates],
            "birthday": self.birthday,
            "tags": list(self.tags),
            "stage": self.stage,
            "source": self.source,
            "custom": dict(self.custom),
            "keep_in_touch_days": self.cadence_days,
            "archived": self.archived,
            "last_contacted_at": self.last_contacted_at,
            "notes": self.notes,
            "vcard_properties": list(self.vcard_extra),
            "has_photo": self.photo is not None,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if include_photo:
            data["photo"] = self.photo
        return data

    def brief(self) -> ContactBrief:
        return ContactBrief(self.id, self.uid, self.name)


@dataclass
class ContactBrief:
    """A contact named inside another record."""

    id: int
    uid: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "uid": self.uid, "name": self.name}


@dataclass
class Company:
    id: int
    uid: str
    name: str
    domain: str | None = None
    notes: str | None = None
    contact_count: int = 0
    created_at: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "domain": self.domain,
            "notes": self.notes,
            "contact_count": self.contact_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def first_line(text: str) -> str:
    """The first non-empty line of ``text``, stripped."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


@dataclass
class Interaction:
    """One entry of the timeline: a note, call, email, meeting or message."""

    id: int
    uid: str
    kind: str
    body: str
    occurred_at: str
    contacts: tuple[ContactBrief, ...] = ()
    followup_id: int | None = None
    deal_id: int | None = None
    created_at: str = ""
    updated_at: str = ""

    @property
    def summary(self) -> str:
        """The first non-empty line of the body."""
        return first_line(self.body)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "kind": self.kind,
            "body": self.body,
            "occurred_at": self.occurred_at,
            "contacts": [c.to_dict() for c in self.contacts],
            "followup_id": self.followup_id,
            "deal_id": self.deal_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass
class Recurrence:
    rule: str  # RFC 5545 RRULE body, e.g. FREQ=WEEKLY;INTERVAL=2
    text: str  # the same in words
    scheduled_from: str = "due"  # "due" or "done"
    until: str | None = None
    count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "text": self.text,
            "from": self.scheduled_from,
            "until": self.until,
            "count": self.count,
        }


@dataclass
class FollowUp:
    id: int
    uid: str
    title: str
    due_date: str
    due_time: str | None = None
    contact: ContactBrief | None = None
    notes: str | None = None
    priority: str = "normal"
    status: str = "open"
    recurrence: Recurrence | None = None
    series_uid: str = ""
    occurrence: int = 1
    snoozed_from: str | None = None
    completed_at: str | None = None
    cancelled_at: str | None = None
    deal_id: int | None = None
    created_at: str = ""
    updated_at: str = ""

    @property
    def due(self) -> str:
        return f"{self.due_date}T{self.due_time}" if self.due_time else self.due_date

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "title": self.title,
            "notes": self.notes,
            "contact": self.contact.to_dict() if self.contact else None,
            "due": self.due,
            "due_date": self.due_date,
            "due_time": self.due_time,
            "all_day": self.due_time is None,
            "priority": self.priority,
            "status": self.status,
            "recurrence": self.recurrence.to_dict() if self.recurrence else None,
            "series_uid": self.series_uid,
            "occurrence": self.occurrence,
            "snoozed_from": self.snoozed_from,
            "completed_at": self.completed_at,
            "cancelled_at": self.cancelled_at,
            "deal_id": self.deal_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass
class LastInteraction:
    """What a reminder shows of a contact's latest interaction."""

    id: int
    kind: str
    occurred_at: str
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "occurred_at": self.occurred_at,
            "summary": self.summary,
        }


@dataclass
class Reach:
    """How to reach a contact from a reminder: best email and phone, last interaction."""

    email: str | None = None
    phone: str | None = None
    last_interaction: LastInteraction | None = None

    def to_dict(self) -> dict[str, Any]:
        last = self.last_interaction
        return {
            "email": self.email,
            "phone": self.phone,
            "last_interaction": None if last is None else last.to_dict(),
        }


@dataclass
class DueItem:
    """A follow-up in a view (due, agenda), with what the user needs to act on it."""

    followup: FollowUp
    days_overdue: int  # calendar days since the due day: > 0 before today, < 0 in the future
    reach: Reach = field(default_factory=Reach)
    # When it became overdue (local wall-clock YYYY-MM-DDTHH:MM: its due time, or the
    # midnight after its due day), and minutes since; None while it is not overdue.
    overdue_since: str | None = None
    minutes_overdue: int | None = None

    @property
    def overdue(self) -> bool:
        return self.overdue_since is not None

    def to_dict(self) -> dict[str, Any]:
        data = self.followup.to_dict()
        data["days_overdue"] = self.days_overdue
        data["overdue"] = self.overdue
        data["overdue_since"] = self.overdue_since
        data["minutes_overdue"] = self.minutes_overdue
        data["reach"] = self.reach.to_dict()
        return data


@dataclass
class StaleItem:
    contact: ContactBrief
    cadence_days: int
    cadence_source: str  # "contact" or "tag:NAME"
    last_contacted_at: str | None
    since: str  # local date the clock runs from (last contact, else when added)
    days_since: int
    days_over: int
    reach: Reach = field(default_factory=Reach)

    def to_dict(self) -> dict[str, Any]:
        return {
            "contact": self.contact.to_dict(),
            "keep_in_touch_days": self.cadence_days,
            "cadence_source": self.cadence_source,
            "last_contacted_at": self.last_contacted_at,
            "since": self.since,
            "days_since": self.days_since,
            "days_over": self.days_over,
            "reach": self.reach.to_dict(),
        }


@dataclass
class DateItem:
    """A birthday or important date coming up."""

    contact: ContactBrief
    label: str  # "birthday", "anniversary", ...
    value: str  # as stored: YYYY-MM-DD or --MM-DD
    next_date: str  # the coming occurrence, YYYY-MM-DD
    days_until: int
    years: int | None  # the age turned (or years since) on next_date, when the year is known

    def to_dict(self) -> dict[str, Any]:
        return {
            "contact": self.contact.to_dict(),
            "label": self.label,
            "value": self.value,
            "date": self.next_date,
            "days_until": self.days_until,
            "years": self.years,
        }


@dataclass
class ContactPage:
    """Everything `show` puts on one screen."""

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


@dataclass
class Deal:
    """A deal: what a relationship may be worth, in a stage of the pipeline.

    The value is exact: ``amount_minor`` integer minor units (cents) of ``currency``;
    JSON shows it as a decimal string (``"12000.00"``) beside the currency."""

    id: int
    uid: str
    title: str
    amount_minor: int
    currency: str
    stage: str
    probability: int | None = None  # set on the deal; None: the stage's default
    stage_probability: int = 0  # the stage's default (0 for a stage no longer configured)
    contact: ContactBrief | None = None
    company: CompanyRef | None = None
    close_date: str | None = None
    lost_reason: str | None = None
    created_at: str = ""
    updated_at: str = ""
    closed_at: str | None = None

    @property
    def status(self) -> str:
        """open, won or lost (won and lost are the closed stages)."""
        return self.stage if self.stage in ("won", "lost") else "open"

    @property
    def closed_on(self) -> str | None:
        """The local day it was won or lost (``YYYY-MM-DD``); None while open. The close
        date (``close_date``) stays the expected one, as planned."""
        if self.closed_at is None or self.status == "open":
            return None
        from minicrm.core import dates

        return dates.local_date(self.closed_at).isoformat()

    @property
    def effective_probability(self) -> int:
        """The deal's own probability, else its stage's; a closed deal has its stage's
        (won 100, lost 0 by default) whatever was set while it was open."""
        if self.probability is None or self.status != "open":
            return self.stage_probability
        return self.probability

    @property
    def weighted_minor(self) -> int:
        from minicrm.core import money

        return money.weighted(self.amount_minor, self.effective_probability)

    @property
    def value(self) -> str:
        from minicrm.core import money

        return money.format_minor(self.amount_minor, self.currency)

    def to_dict(self) -> dict[str, Any]:
        from minicrm.core import money

        return {
            "id": self.id,
            "uid": self.uid,
            "title": self.title,
            "contact": self.contact.to_dict() if self.contact else None,
            "company": self.company.to_dict() if self.company else None,
            "value": self.value,
            "currency": self.currency,
            "stage": self.stage,
            "status": self.status,
            "probability": self.effective_probability,
            "probability_from": "deal"
            if self.probability is not None and self.status == "open"
            else "stage",
            "weighted_value": money.format_minor(self.weighted_minor, self.currency),
            "close_date": self.close_date,
            "lost_reason": self.lost_reason,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "closed_at": self.closed_at,
            "closed_on": self.closed_on,
        }


@dataclass
class StageChange:
    """One move of a deal between stages (``from_stage`` None: the deal was created)."""

    from_stage: str | None
    to_stage: str
    changed_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.from_stage, "to": self.to_stage, "at": self.changed_at}


@dataclass
class DealPage:
    """Everything `deal show` puts on one screen."""

    deal: Deal
    stage_changes: tuple[StageChange, ...]
    followups: tuple[FollowUp, ...]
    interactions: tuple[Interaction, ...]

    def to_dict(self) -> dict[str, Any]:
        data = self.deal.to_dict()
        data["stage_changes"] = [c.to_dict() for c in self.stage_changes]
        data["followups"] = [f.to_dict() for f in self.followups]
        data["interactions"] = [i.to_dict() for i in self.interactions]
        return data


@dataclass
class SeriesTask:
    """A series of follow-ups as one task on a phone (one VTODO, one UID): the open
    occurrence, or the series' last one when none is open, and what the phone shows
    beside it (how to reach the contact, the deal)."""

    followup: FollowUp
    series_start: str = ""  # the series' anchor, naive local YYYY-MM-DDTHH:MM
    phone: str | None = None
    email: str | None = None
    deal_uid: str | None = None
    deal_title: str | None = None
