"""History, undo and redo as plain text (the same on a terminal and in a pipe), or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from minicrm.history import Change, ChangeSet, Outcome
from minicrm.render import line, local_time, nothing, visible, write_json

OPS = {"insert": "inserted", "update": "updated", "delete": "deleted"}
SIGNS = {"insert": "+", "update": "~", "delete": "-"}


__all__ = ["counts_text", "local_time", "print_changesets", "print_outcome"]


def counts_text(counts: dict[str, dict[str, int]]) -> str:
    parts = []
    for entity, ops in counts.items():
        done = ", ".join(f"{n:,} {OPS.get(op, op)}" for op, n in ops.items())
        parts.append(f"{entity}: {done}")
    return "; ".join(parts)


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _marks(cs: ChangeSet) -> str:
    marks = []
    if cs.kind == "undo":
        marks.append(f"undoes #{cs.undoes}")
    elif cs.kind == "redo":
        marks.append(f"redo: reverses undo #{cs.undoes}")
    if cs.undone_by is not None:
        marks.append(f"undone by #{cs.undone_by}")
    return f"  [{'; '.join(marks)}]" if marks else ""


def change_text(change: Change) -> str:
    head = f"{SIGNS.get(change.op, '?')} {change.entity} #{change.row_id}"
    if change.label:
        head += f" {change.label}"
    if change.op != "update":
        return head
    fields = change.fields
    if len(fields) > 1:  # the update time is noise next to what was changed
        fields = [f for f in fields if f.field != "updated_at"]
    edits = ", ".join(f"{f.field}: {_value(f.before)} → {_value(f.after)}" for f in fields)
    return f"{head}: {edits}"


def print_changesets(items: Sequence[ChangeSet], fmt: str) -> None:
    if fmt == "json":
        write_json([cs.to_dict() for cs in items])
        return
    if not items:
        nothing("No changes recorded.")
        return
    for number, cs in enumerate(items):
        if number:
            line("")
        line(f"#{cs.id}  {local_time(cs.at)}  {visible(cs.command)}{_marks(cs)}")
        line(f"    {cs.rows:,} row{'s' if cs.rows != 1 else ''}: {counts_text(cs.counts)}")
        for change in cs.changes:
            line(f"    {visible(change_text(change))}")
        if cs.more_changes > 0:
            line(f"    … and {cs.more_changes:,} more")


def outcome_lines(outcome: Outcome) -> list[str]:
    verb = {"undo": "Undid", "redo": "Redid"}[outcome.action]
    if outcome.dry_run:
        verb = f"Would {outcome.action}"
    result = []
    for step in outcome.steps:
        cs = step.target
        text = (
            f"{verb} #{cs.id} {cs.command} ({local_time(cs.at)}): "
            f"{cs.rows:,} row{'s' if cs.rows != 1 else ''} ({counts_text(cs.counts)})"
        )
        if step.recorded_as is not None:
            text += f"; recorded as #{step.recorded_as}"
        result.append(visible(text))
    return result


def print_outcome(outcome: Outcome, fmt: str) -> None:
    if fmt == "json":
        write_json(outcome.to_dict())
        return
    for text in outcome_lines(outcome):
        line(text)
