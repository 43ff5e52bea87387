"""History, undo and redo as plain text (the same on a terminal and in a pipe), or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from minicrm.history.models import Change, ChangeSet, Outcome
from minicrm.ui.machine import write_json
from minicrm.ui.render import line, local_time, nothing
from minicrm.ui.text import visible

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
    if change.op != "update" or not change.fields:
        return head
    fields = change.fields
    if len(fields) > 1:  # the update time is noise next to what was changed
        fields = [f for f in fields if f.field != "updated_at"]
    edits = ", ".join(f"{f.field}: {_value(f.before)} → {_value(f.after)}" for f in fields)
    return f"{head}: {edits}"


# How many things a change set is said to have done, in `history` (then "… and N more").
MAX_PHRASES = 12


def print_changesets(items: Sequence[ChangeSet], fmt: str, *, verbose: bool = False) -> None:
    """Each change set as what it did, in words (``edit of Maria González`` and one line
    per thing done); with ``verbose`` the command line and the rows it wrote."""
    if fmt == "json":
        write_json([cs.to_dict() for cs in items])
        return
    if not items:
        nothing("No changes recorded.")
        return
    for number, cs in enumerate(items):
        if number:
            line("")
        if verbose or cs.summary is None:
            line(f"#{cs.id}  {local_time(cs.at)}  {visible(cs.command)}{_marks(cs)}")
            line(f"    {cs.rows:,} row{'s' if cs.rows != 1 else ''}: {counts_text(cs.counts)}")
            for change in cs.changes:
                line(f"    {visible(change_text(change))}")
            if cs.more_changes > 0:
                line(f"    … and {cs.more_changes:,} more")
            continue
        line(f"#{cs.id}  {local_time(cs.at)}  {visible(cs.summary.subject)}{_marks(cs)}")
        details = cs.summary.details
        for detail in details[:MAX_PHRASES]:
            line(f"    {visible(detail)}")
        if len(details) > MAX_PHRASES:
            line(f"    … and {len(details) - MAX_PHRASES:,} more")


def in_words(cs: ChangeSet) -> str:
    """``edit of Maria González (#97, 2026-12-02 10:31): removed email x``."""
    assert cs.summary is not None
    details = cs.summary.details_text()
    return f"{cs.summary.subject} (#{cs.id}, {local_time(cs.at)})" + (
        f": {details}" if details else ""
    )


def outcome_lines(outcome: Outcome, *, verbose: bool = False) -> list[str]:
    """``Undid edit of Maria González (#97, 2026-12-02 10:31): removed email x``; with
    ``verbose``, the command line, the rows per table and the new change set."""
    verb = {"undo": "Undid", "redo": "Redid"}[outcome.action]
    if outcome.dry_run:
        verb = f"Would {outcome.action}"
    result = []
    for step in outcome.steps:
        cs = step.target
        if not verbose and cs.summary is not None:
            result.append(visible(f"{verb} {in_words(cs)}"))
            continue
        text = (
            f"{verb} #{cs.id} {cs.command} ({local_time(cs.at)}): "
            f"{cs.rows:,} row{'s' if cs.rows != 1 else ''} ({counts_text(cs.counts)})"
        )
        if step.recorded_as is not None:
            text += f"; recorded as #{step.recorded_as}"
        result.append(visible(text))
    return result


def print_outcome(outcome: Outcome, fmt: str, *, verbose: bool = False) -> None:
    if fmt == "json":
        write_json(outcome.to_dict())
        return
    for text in outcome_lines(outcome, verbose=verbose):
        line(text)
