"""What a capture run did: the result object that the CLI renders, --json prints, and a
script (or an on-capture hook) reads. Plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only in annotations: a re-run with nothing new does not import it
    from minicrm.core.models import Ref as ContactBrief

MAIL_COUNTS = ("messages", "logged", "duplicates", "noise", "ignored", "unknown", "bad")
CALENDAR_COUNTS = (
    "events",
    "logged",
    "duplicates",
    "skipped",
    "unknown",
    "upcoming",
    "bad",
)


@dataclass(frozen=True)
class CapturedItem:
    """One email or meeting logged (or, on a dry run, that would be)."""

    key: str  # the Message-ID (or sha256: of stable headers); UID[/RECURRENCE-ID]
    kind: str  # "email" or "meeting"
    occurred_at: str  # UTC stamp
    direction: str | None  # "in" / "out" for email, None for meetings
    title: str  # the subject, or the event's summary
    excerpt: str  # the start of what was written ("" with --no-body, and for meetings)
    contacts: tuple[ContactBrief, ...]
    source: str  # the file or folder it came from
    interaction_id: int | None = None  # None on a dry run

    @property
    def body(self) -> str:
        """The interaction's text: the title, then the excerpt."""
        title = self.title or ("(no subject)" if self.kind == "email" else "(no title)")
        return f"{title}\n\n{self.excerpt}" if self.excerpt else title

    def to_dict(self) -> dict[str, Any]:
        return {
            "interaction_id": self.interaction_id,
            "key": self.key,
            "kind": self.kind,
            "occurred_at": self.occurred_at,
            "direction": self.direction,
            "title": self.title,
            "excerpt": self.excerpt,
            "contacts": [c.to_dict() for c in self.contacts],
            "source": self.source,
        }


@dataclass(frozen=True)
class UpcomingEvent:
    """A future event with contacts: shown by `agenda`, logged once it is past."""

    key: str
    title: str
    starts_at: str  # UTC stamp (all-day: the day's local midnight)
    ends_at: str | None
    all_day: bool
    contacts: tuple[ContactBrief, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "all_day": self.all_day,
            "contacts": [c.to_dict() for c in self.contacts],
            "source": self.source,
        }


@dataclass
class CaptureResult:
    """One run of `capture mail` or `capture calendar`."""

    what: str  # "mail" or "calendar"
    dry_run: bool
    sources: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    items: list[CapturedItem] = field(default_factory=list)
    upcoming: list[UpcomingEvent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "file: what is wrong", the first 50
    notices: list[str] = field(default_factory=list)
    changeset_id: int | None = None  # the change set `undo` reverses (None: nothing written)

    def __post_init__(self) -> None:
        for name in MAIL_COUNTS if self.what == "mail" else CALENDAR_COUNTS:
            self.counts.setdefault(name, 0)

    def count(self, name: str, by: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + by

    def problem(self, where: str, what: str) -> None:
        self.count("bad")
        if len(self.problems) < 50:
            self.problems.append(f"{where}: {what}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "dry_run": self.dry_run,
            "sources": list(self.sources),
            "counts": dict(self.counts),
            "changeset": self.changeset_id,
            "items": [i.to_dict() for i in self.items],
            "upcoming": [u.to_dict() for u in self.upcoming],
            "problems": list(self.problems),
            "notices": list(self.notices),
        }


@dataclass(frozen=True)
class Suggestion:
    """Someone the user exchanges mail with who is not a contact."""

    address: str
    name: str
    sent: int  # messages from the user to them
    received: int  # messages from them to the user
    last: str  # UTC stamp of the latest
    contact: ContactBrief | None = None  # set once --add created it

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "name": self.name,
            "sent": self.sent,
            "received": self.received,
            "last": self.last,
            "contact": self.contact.to_dict() if self.contact else None,
        }


@dataclass
class SuggestResult:
    """`capture mail --suggest` (and --add): the suggestions, and what --add did."""

    suggestions: list[Suggestion]
    added: bool
    capture: CaptureResult | None = None  # with --add: the mail captured for them

    def to_dict(self) -> dict[str, Any]:
        return {
            "suggestions": [s.to_dict() for s in self.suggestions],
            "added": self.added,
            "capture": self.capture.to_dict() if self.capture else None,
        }
