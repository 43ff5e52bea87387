"""Rendering of duplicate pairs and merge plans: rows handed to :mod:`minicrm.ui.render`.
User values are printed literally."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minicrm.dupes.merging import MergePlan, MergeResult
from minicrm.dupes.service import DupePair, IgnoredPair
from minicrm.ui.machine import write_json
from minicrm.ui.render import line, local_time, message, nothing, print_table
from minicrm.ui.screen import Column

PAIR_COLUMNS = (
    Column("score", whole=True),
    Column("a", least=12),
    Column("b", least=12),
    Column("reasons", drop=1, least=16),
)
MAX_CELL = 60


def _who(brief: Any) -> str:
    return f"#{brief.id} {brief.name}" if brief is not None else "(deleted)"


def print_pairs(pairs: Sequence[DupePair], fmt: str) -> None:
    if fmt == "json":
        write_json([p.to_dict() for p in pairs])
    elif not pairs:
        nothing("No likely duplicates.")
    else:
        rows = [
            [f"{p.score:.2f}", _who(p.a), _who(p.b), "; ".join(r.text for r in p.reasons)]
            for p in pairs
        ]
        print_table(PAIR_COLUMNS, rows)


def print_ignored(pairs: Sequence[IgnoredPair], fmt: str) -> None:
    if fmt == "json":
        write_json([p.to_dict() for p in pairs])
    elif not pairs:
        nothing('No pairs are marked "not a duplicate".')
    else:
        print_table(
            (Column("a", least=12), Column("b", least=12), Column("since", whole=True, drop=1)),
            [[_who(p.a), _who(p.b), local_time(p.created_at)] for p in pairs],
        )


def print_ignore(pair: IgnoredPair, changed: bool, fmt: str) -> None:
    if fmt == "json":
        write_json({**pair.to_dict(), "changed": changed})
    else:
        verb = "Marked" if changed else "Already marked"
        line(f'{verb} {_who(pair.a)} and {_who(pair.b)} "not a duplicate"')


def print_unignore(changed: bool, fmt: str) -> None:
    if fmt == "json":
        write_json({"changed": changed})
    elif changed:
        line('Forgot the "not a duplicate" mark')
    else:
        message('minicrm: those two were not marked "not a duplicate"')


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        text = ", ".join(f"{k}={v}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split("\n"))
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def print_plan(plan: MergePlan) -> None:
    """The field-by-field result and what moves, as a table and a few lines."""
    columns = (  # the contacts' names head their columns: escaped like any cell
        Column("field", whole=True),
        Column(_who(plan.survivor), least=12),
        Column(_who(plan.merged), least=12),
        Column("result", drop=1, least=12),
        Column("rule", drop=2, least=10),
    )
    print_table(
        columns, [[f.field, _cell(f.a), _cell(f.b), _cell(f.result), f.rule] for f in plan.fields]
    )
    moves = []
    if plan.interactions or plan.shared_interactions:
        shared = f" ({plan.shared_interactions} shared)" if plan.shared_interactions else ""
        moves.append(_count(plan.interactions + plan.shared_interactions, "interaction") + shared)
    if plan.followups:
        moves.append(_count(plan.followups, "follow-up"))
    if plan.deals:
        moves.append(_count(plan.deals, "deal"))
    if plan.ignores:
        moves.append(_count(plan.ignores, '"not a duplicate" mark'))
    if moves:
        line(f"Moves to #{plan.survivor.id}: " + ", ".join(moves))
    if plan.conflicts:
        line(
            f"Kept #{plan.survivor.id}'s {', '.join(plan.conflicts)}; "
            f"#{plan.merged.id}'s differing values go into the notes"
        )


def print_merge(result: MergeResult, fmt: str, *, plan_shown: bool = False) -> None:
    if fmt == "json":
        write_json(result.to_dict())
        return
    if not plan_shown:
        print_plan(result.plan)
    if result.dry_run:
        message(f"Dry run: nothing was changed (#{result.plan.merged.id} would be deleted)")
    else:
        line(f"Merged {_who(result.plan.merged)} into {_who(result.plan.survivor)}")
