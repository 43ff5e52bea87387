"""The neutral record that every importer produces and the importer domain consumes.

A parser (vCard, CSV, JSON) reads a file into :class:`Incoming` records, one per contact,
each knowing where it came from (``position``: "line 12", "card 3 of team.vcf") so an
error can name it. Values are as the file has them; :mod:`minicrm.interchange.imports` validates and
normalises them with the same rules as ``minicrm add``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Labelled = tuple[str | None, str]  # (label or None, value)


@dataclass(slots=True)
class Incoming:
    position: str
    name: str | None = None  # display name; built from the parts when missing
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    title: str | None = None
    company: str | None = None
    emails: list[Labelled] = field(default_factory=list)
    phones: list[Labelled] = field(default_factory=list)
    addresses: list[Labelled] = field(default_factory=list)
    urls: list[Labelled] = field(default_factory=list)
    birthday: str | None = None  # 1990-05-17, --05-17, 19900517, --0517 ... or free text
    dates: list[Labelled] = field(default_factory=list)  # (label, date) e.g. anniversary
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    stage: str | None = None
    source: str | None = None
    cadence_days: str | None = None  # keep-in-touch cadence as typed: 30, 30d, 2w
    archived: bool | None = None
    uid: str | None = None
    card_uid: str | None = None  # a vCard's UID exactly as the card has it (sync)
    custom: dict[str, str] = field(default_factory=dict)
    vcard_extra: list[str] = field(default_factory=list)  # unmodelled vCard lines, kept
    photo: str | None = None  # the PHOTO property as a vCard line, when kept


class RecordError(Exception):
    """One record of an import file cannot be read; ``position`` says which."""

    def __init__(self, position: str, message: str) -> None:
        super().__init__(f"{position}: {message}")
        self.position = position
        self.message = message


class Meter:
    """How many characters of an import's sources the readers have got through (``done``),
    so that a progress bar is sized by the sources instead of by a count of their records
    (which would read every record twice)."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = 0
