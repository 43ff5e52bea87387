"""The contact records: a contact, its one-line form for listings, a company."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from minicrm.core.models import Ref


@dataclass
class Labelled:
    """One email, phone, address or URL, with an optional label (work, home, ...)."""

    value: str
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value}


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
    title: str | None = None
    last_contacted_at: str | None = None  # UTC stamp
    next_due: str | None = None  # the next open follow-up's due (YYYY-MM-DD[THH:MM]), if read


@dataclass
class Contact:
    id: int
    uid: str
    name: str
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    title: str | None = None
    company: Ref | None = None
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

    def brief(self) -> Ref:
        return Ref(self.id, self.uid, self.name)


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
