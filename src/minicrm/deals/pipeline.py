"""The pipeline board: open deals by stage, with totals per currency, and the deals that
need attention (no next step, close date passed, closing soon) for the board and the digest.

Amounts are never added across currencies: every total is per stage *and* currency. The
weighted value of a deal is ``amount × probability / 100`` in integer minor units,
rounded half to even (:func:`minicrm.core.money.weighted`); a stage's weighted total is the sum
of its deals' weighted values, so the board's figures add up exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from minicrm.activity import followups
from minicrm.activity.models import FollowUp
from minicrm.core import dates, money
from minicrm.core.config import Config
from minicrm.core.dates import When
from minicrm.db.store import Store
from minicrm.deals import queries
from minicrm.deals import service as deals
from minicrm.deals.models import Deal

NO_NEXT_STEP = "no_next_step"
OVERDUE_CLOSE = "overdue_close"


@dataclass(frozen=True)
class MoneyTotal:
    """The deals of one currency in a group: how many, their value, their weighted value."""

    currency: str
    count: int
    total_minor: int
    weighted_minor: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "count": self.count,
            "total": money.format_minor(self.total_minor, self.currency),
            "weighted": money.format_minor(self.weighted_minor, self.currency),
        }


@dataclass(frozen=True)
class BoardItem:
    """An open deal on the board with its next step (earliest open follow-up) and flags."""

    deal: Deal
    next_step: FollowUp | None
    days_to_close: int | None  # negative: the close date has passed

    @property
    def flags(self) -> list[str]:
        found = []
        if self.next_step is None:
            found.append(NO_NEXT_STEP)
        if self.days_to_close is not None and self.days_to_close < 0:
            found.append(OVERDUE_CLOSE)
        return found

    def to_dict(self) -> dict[str, Any]:
        data = self.deal.to_dict()
        data["next_step"] = self.next_step.to_dict() if self.next_step else None
        data["days_to_close"] = self.days_to_close
        data["flags"] = self.flags
        return data


@dataclass(frozen=True)
class StageColumn:
    name: str
    probability: int | None  # the stage's default; None for a stage no longer configured
    items: tuple[BoardItem, ...]
    totals: tuple[MoneyTotal, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.name,
            "probability": self.probability,
            "count": len(self.items),
            "totals": [t.to_dict() for t in self.totals],
            "deals": [i.to_dict() for i in self.items],
        }


@dataclass(frozen=True)
class Board:
    as_of: date
    stages: tuple[StageColumn, ...]
    totals: tuple[MoneyTotal, ...]

    @property
    def items(self) -> list[BoardItem]:
        return [item for column in self.stages for item in column.items]

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "stages": [c.to_dict() for c in self.stages],
            "totals": [t.to_dict() for t in self.totals],
            "count": len(self.items),
            "flagged": {
                NO_NEXT_STEP: sum(NO_NEXT_STEP in i.flags for i in self.items),
                OVERDUE_CLOSE: sum(OVERDUE_CLOSE in i.flags for i in self.items),
            },
        }


def totals(items: Iterable[Deal]) -> tuple[MoneyTotal, ...]:
    """Count, value and weighted value per currency (alphabetical by code)."""
    sums: dict[str, list[int]] = {}
    for deal in items:
        entry = sums.setdefault(deal.currency, [0, 0, 0])
        entry[0] += 1
        entry[1] += deal.amount_minor
        entry[2] += deal.weighted_minor
    return tuple(MoneyTotal(code, *sums[code]) for code in sorted(sums))


def _items(store: Store, open_deals: list[Deal], today: date) -> list[BoardItem]:
    steps = queries.next_steps(store, [d.id for d in open_deals])
    result = []
    for deal in open_deals:
        step = steps.get(deal.id)
        result.append(
            BoardItem(
                deal=deal,
                next_step=followups.get_followup(store, step) if step is not None else None,
                days_to_close=(date.fromisoformat(deal.close_date) - today).days
                if deal.close_date
                else None,
            )
        )
    return result


def board(store: Store, *, on: When | None = None, config: Config | None = None) -> Board:
    """Open deals in one column per open stage (configured order); deals in a stage the
    config no longer lists get a column of their own at the end."""
    config = deals.settings(config)
    today = dates.today(on)
    with store.snapshot():
        items = _items(store, deals.list_deals(store, status="open", config=config), today)
    by_stage: dict[str, list[BoardItem]] = {}
    for item in items:
        by_stage.setdefault(item.deal.stage, []).append(item)
    columns = []
    for stage in deals.open_stages(config):
        group = by_stage.pop(stage.name, [])
        columns.append(
            StageColumn(stage.name, stage.probability, tuple(group), totals(i.deal for i in group))
        )
    for name, group in by_stage.items():
        columns.append(StageColumn(name, None, tuple(group), totals(i.deal for i in group)))
    return Board(today, tuple(columns), totals(i.deal for i in items))


@dataclass(frozen=True)
class DealAlerts:
    """The digest's deals section: each open deal at most once, in the first that applies."""

    days: int
    overdue_close: tuple[BoardItem, ...]  # close date passed
    closing: tuple[BoardItem, ...]  # close date today or within ``days`` days
    no_next_step: tuple[BoardItem, ...]  # no open follow-up linked to the deal

    @property
    def count(self) -> int:
        return len(self.overdue_close) + len(self.closing) + len(self.no_next_step)

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "overdue_close": [i.to_dict() for i in self.overdue_close],
            "closing": [i.to_dict() for i in self.closing],
            "no_next_step": [i.to_dict() for i in self.no_next_step],
        }


def alerts(
    store: Store, *, days: int = 7, on: When | None = None, config: Config | None = None
) -> DealAlerts:
    """Open deals whose close date has passed, that close within ``days`` days (today
    included), or that have no next step."""
    config = deals.settings(config)
    today = dates.today(on)
    horizon = dates.window_end(today, days, "--deal-days")
    with store.snapshot():
        items = _items(store, deals.list_deals(store, status="open", config=config), today)
    overdue, closing, idle = [], [], []
    for item in sorted(items, key=lambda i: (i.deal.close_date or "9999", i.deal.id)):
        close = date.fromisoformat(item.deal.close_date) if item.deal.close_date else None
        if close is not None and close < today:
            overdue.append(item)
        elif close is not None and close <= horizon:
            closing.append(item)
        elif item.next_step is None:
            idle.append(item)
    return DealAlerts(days, tuple(overdue), tuple(closing), tuple(idle))
