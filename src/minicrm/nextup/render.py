"""`minicrm next` as a table (plain in a pipe, fitted at a terminal) or JSON."""

from __future__ import annotations

from minicrm.nextup.service import NextItem, NextList
from minicrm.ui.machine import write_json
from minicrm.ui.render import line, nothing, print_table
from minicrm.ui.screen import Brief, Column, Styled

COLUMNS = (
    Column("#", whole=True),
    Column("urgency", whole=True, right=True, drop=4),
    Column("do", least=20),
    Column("date", whole=True, drop=5),
    Column("why", least=12, drop=2),
    Column("who", least=10, drop=3),
    Column("reach", whole=True, drop=1),
)


def _reach(item: NextItem) -> object:
    ways = [v for v in (item.reach.phone, item.reach.email) if v]
    return Brief(" / ".join(ways), ways[0]) if len(ways) > 1 else "".join(ways)


def print_next(result: NextList, fmt: str) -> None:
    if fmt == "json":
        write_json(result.to_dict())
        return
    if not result.items:
        nothing(f"Nothing to do as of {result.as_of.isoformat()}.")
        return
    rows = []
    for item in result.items:
        style = "red" if item.reason in ("overdue", "close_date_passed") else None
        rows.append(
            [
                item.rank,
                item.urgency,
                Styled(item.action, style) if style else item.action,
                item.date.replace("T", " "),
                item.detail,
                item.contact.name if item.contact else "",
                _reach(item),
            ]
        )
    print_table(COLUMNS, rows)
    rest = result.total - len(result.items)
    if rest > 0:
        words = {"followup": "follow-up", "contact": "contact", "deal": "deal", "date": "date"}
        parts = [f"{n} {words[k]}{'' if n == 1 else 's'}" for k, n in result.counts.items() if n]
        line(
            f"{len(result.items)} of {result.total} ({', '.join(parts)}); "
            "`minicrm next --limit 0` shows them all"
        )
