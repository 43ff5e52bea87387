"""The records of an import: a validated incoming contact (:class:`Prepared`), what became
of each record (:class:`Outcome`) and the whole import's report (:class:`ImportReport`,
``import --json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from minicrm.core import validate


@dataclass(slots=True)
class Prepared:
    """An incoming contact, validated and normalised."""

    position: str
    name: str
    fields: dict[str, str | None]  # the SCALARS
    company: str | None
    items: dict[str, list[tuple[str | None, str, str]]]  # kind -> (label, value, key)
    tags: list[str]
    custom: dict[str, str]
    uid: str | None
    vcard_extra: list[str]
    photo: str | None
    archived: bool = False
    name_key: str = ""  # validate.key(name), computed once
    replaced: int = 0  # characters that could not be stored (NUL), replaced by U+2400
    order: int = 0  # the record's place among the valid records of the file

    def __post_init__(self) -> None:
        self.name_key = validate.key(self.name)


@dataclass(frozen=True)
class Outcome:
    position: str
    action: str  # created, merged, unchanged, skipped, invalid
    name: str
    contact_id: int | None = None
    reason: str | None = None
    # the record's values that differ from the contact it merged into, written into
    # that contact's notes: (field, value)
    kept_aside: tuple[tuple[str, str], ...] = ()
    replaced: int = 0  # characters replaced because they cannot be stored (NUL)
    order: int = field(default=0, compare=False)  # file order (creations are batched)

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "action": self.action,
            "name": self.name,
            "contact_id": self.contact_id,
            "reason": self.reason,
            "kept_aside": [{"field": f, "value": v} for f, v in self.kept_aside],
            "replaced_characters": self.replaced,
        }

    @property
    def worth_a_word(self) -> bool:
        """Listed in the report even without --dry-run: not simply created."""
        return self.action != "created" or bool(self.replaced)


@dataclass
class ImportReport:
    source: str
    format: str
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def kept_aside(self) -> int:
        """Records whose differing values were written into a contact's notes."""
        return sum(1 for o in self.outcomes if o.kept_aside)

    @property
    def replaced(self) -> tuple[int, int]:
        """(characters replaced, records they were in)."""
        hit = [o.replaced for o in self.outcomes if o.replaced]
        return sum(hit), len(hit)

    def listed(self) -> list[Outcome]:
        """The records a report lists: with --dry-run every one (what would be created
        or merged), otherwise those that were not simply created."""
        return [o for o in self.outcomes if self.dry_run or o.worth_a_word]

    def to_dict(self) -> dict[str, Any]:
        characters, records = self.replaced
        return {
            "source": self.source,
            "format": self.format,
            "dry_run": self.dry_run,
            "created": self.count("created"),
            "merged": self.count("merged"),
            "unchanged": self.count("unchanged"),
            "skipped": self.count("skipped"),
            "invalid": self.count("invalid"),
            "kept_aside": self.kept_aside,
            "replaced_characters": characters,
            "records_with_replaced_characters": records,
            "records": [o.to_dict() for o in self.listed()],
        }
