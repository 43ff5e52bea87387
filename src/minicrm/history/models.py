"""The records of history: a change set, its changes (each row written, with the fields
that changed), and what an undo or redo did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from minicrm.history.words import Summary


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Change:
    """One row written by a change set."""

    op: str  # insert | update | delete
    entity: str  # the table
    row_id: int
    uid: str | None
    label: str  # what the row is (a name, a value, a title)
    fields: list[FieldChange]  # update: the columns that changed
    row: dict[str, Any] | None  # insert: the row as written; delete: as it was

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "entity": self.entity,
            "id": self.row_id,
            "uid": self.uid,
            "label": self.label,
            "fields": [f.to_dict() for f in self.fields],
            "row": self.row,
        }


@dataclass(frozen=True)
class ChangeSet:
    id: int
    uid: str
    command: str
    at: str  # UTC stamp
    kind: str  # command | undo | redo
    undoes: int | None
    undone_by: int | None
    undone_at: str | None
    rows: int
    counts: dict[str, dict[str, int]]  # entity -> op -> rows
    changes: list[Change] = field(default_factory=list)
    summary: Summary | None = None  # in words (not part of the JSON shape)

    @property
    def more_changes(self) -> int:
        return self.rows - len(self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "command": self.command,
            "at": self.at,
            "kind": self.kind,
            "undoes": self.undoes,
            "undone_by": self.undone_by,
            "undone_at": self.undone_at,
            "rows": self.rows,
            "counts": self.counts,
            "changes": [c.to_dict() for c in self.changes],
            "more_changes": self.more_changes,
        }


@dataclass(frozen=True)
class Step:
    """One change set reversed (undo) or re-applied (redo)."""

    target: ChangeSet  # the command's change set (for a redo: the one re-applied)
    recorded_as: int | None  # the new change set (None on a dry run)

    def to_dict(self) -> dict[str, Any]:
        data = self.target.to_dict()
        del data["changes"], data["more_changes"]
        return {"changeset": data, "recorded_as": self.recorded_as}


@dataclass(frozen=True)
class Outcome:
    action: str  # undo | redo
    dry_run: bool
    steps: list[Step]

    @property
    def rows(self) -> int:
        return sum(step.target.rows for step in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "steps": [s.to_dict() for s in self.steps],
        }
