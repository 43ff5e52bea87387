"""The activity records: interactions, follow-ups (and their recurrence), the items of
the daily views (due, agenda, stale, birthdays)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from minicrm.core.models import Ref, first_line


@dataclass
class Interaction:
    """One entry of the timeline: a note, call, email, meeting or message."""

    id: int
    uid: str
    kind: str
    body: str
    occurred_at: str
    contacts: tuple[Ref, ...] = ()
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
    contact: Ref | None = None
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
    contact: Ref
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

    contact: Ref
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
