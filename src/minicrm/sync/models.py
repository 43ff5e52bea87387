"""What the sync core and its item kinds exchange: the :class:`Item` compared, the
:class:`Kind` protocol a kind implements, the :class:`Settings` of a run and the
:class:`SyncReport` it returns. The API is :mod:`minicrm.sync.core`'s, which re-exports it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from minicrm.core.errors import Refused
from minicrm.db.store import Store

SIDES = ("minicrm", "vdir")  # the two sides; a conflict's winner is one of them
DEFAULT_MAX_DELETE_PERCENT = 50
MIN_GUARDED = 2  # fewer deletions than this never trip the guard


class ItemError(Exception):
    """An item's text cannot be read as this kind; the message says why."""


@dataclass
class Item:
    """One item as the sync compares it."""

    uid: str  # the UID as the item's text has it, byte for byte
    fields: dict[str, Any]  # what is compared and merged
    text: str  # the item as a file holds it
    label: str = ""  # how a report names it (a contact's name, a task's summary)


@dataclass
class Lost:
    """A field both sides changed: ``winner``'s value was kept, the other side's lost."""

    field: str
    winner: str  # "minicrm" or "vdir"
    kept: Any
    lost: Any


class Kind(Protocol):
    """What an item kind gives the core. Every method runs inside the sync's transaction."""

    name: str  # "contacts": the state's kind, the command's name
    noun: str  # "contact"
    fileext: str  # ".vcf"

    def parse(self, text: str) -> Item:
        """The item a file holds; raises ItemError when it cannot be read."""
        ...

    def changed_since(self, store: Store, changeset: int | None) -> set[str] | None:
        """Local uids of records that may have changed (or appeared, or gone) after
        change set ``changeset``; None when every record must be looked at (first sync,
        or ``changeset`` is None)."""
        ...

    def load(
        self, store: Store, local_uids: Collection[str] | None, item_uids: Mapping[str, str]
    ) -> dict[str, Item]:
        """The records that sync, by local uid, as items (``local_uids`` None: all of
        them). A record missing here (deleted, archived) is gone from the sync.
        ``item_uids`` gives the UID an item must carry when it differs from the local uid
        (the UID its file has had, kept byte for byte)."""
        ...

    def find(self, store: Store, item: Item, taken: set[str]) -> str | None:
        """The local uid of an existing record that a new file is (adopted rather than
        duplicated: by UID, then, say, by email), not one of ``taken``."""
        ...

    def apply(self, store: Store, local_uid: str | None, fields: dict[str, Any], item: Item) -> str:
        """Make the local record hold ``fields`` (creating it, with uid ``local_uid`` or
        ``item.uid``, when there is none; a removed or archived one is brought back).
        Values the fields leave out are removed. Returns the local uid."""
        ...

    def remove(self, store: Store, local_uid: str, archive: bool) -> str:
        """Remove (or archive) a record whose file was deleted: "deleted" or "archived"."""
        ...

    def keep_lost(self, store: Store, local_uid: str, lost: list[Lost], where: str) -> str:
        """Keep values that lost a conflict where the user finds them; returns where that
        is, for the report ("the contact's timeline")."""
        ...

    def show(self, field: str, value: Any) -> str:
        """A field's value as one line of a report."""
        ...


@dataclass
class Settings:
    winner: str = "minicrm"
    archive_deleted: bool = False  # a deleted file archives its record instead
    max_delete_percent: int = DEFAULT_MAX_DELETE_PERCENT
    force_delete: bool = False
    dry_run: bool = False


@dataclass
class Change:
    side: str  # where the change is made: "minicrm" or "vdir"
    action: str  # created, updated, deleted, archived, linked
    name: str
    uid: str
    href: str
    fields: list[str] = field(default_factory=list)
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "action": self.action,
            "name": self.name,
            "uid": self.uid,
            "file": self.href,
            "fields": self.fields,
            "reason": self.reason,
        }


@dataclass
class Conflict:
    name: str
    uid: str
    href: str
    field: str
    winner: str
    kept: str
    lost: str
    lost_kept_in: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "uid": self.uid,
            "file": self.href,
            "field": self.field,
            "winner": self.winner,
            "kept": self.kept,
            "lost": self.lost,
            "lost_kept_in": self.lost_kept_in,
        }


@dataclass
class Problem:
    href: str
    message: str
    uid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.href, "uid": self.uid, "message": self.message}


@dataclass
class SyncReport:
    kind: str
    folder: str
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    items: int = 0  # items in step after the sync
    changeset: int | None = None  # the change set recorded (None: nothing changed locally)
    files_read: int = 0  # files read (a file whose etag did not move is not)
    records_read: int = 0  # local records loaded (those history says may have changed)

    def count(self, side: str, action: str) -> int:
        return sum(1 for c in self.changes if c.side == side and c.action == action)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def to_dict(self) -> dict[str, Any]:
        actions = ("created", "updated", "deleted", "archived", "linked")
        return {
            "kind": self.kind,
            "folder": self.folder,
            "dry_run": self.dry_run,
            "changeset": self.changeset,
            "minicrm": {a: self.count("minicrm", a) for a in actions},
            "vdir": {a: self.count("vdir", a) for a in ("created", "updated", "deleted")},
            "items": self.items,
            "files_read": self.files_read,
            "records_read": self.records_read,
            "changes": [c.to_dict() for c in self.changes],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "problems": [p.to_dict() for p in self.problems],
        }


class MassDeletion(Refused):
    """The sync would delete more than the allowed share of the items."""
