"""The deal records: a deal, one move between stages, a deal's page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minicrm.activity.models import FollowUp, Interaction
from minicrm.core.models import Ref


@dataclass
class Deal:
    """A deal: what a relationship may be worth, in a stage of the pipeline.

    The value is exact: ``amount_minor`` integer minor units (cents) of ``currency``;
    JSON shows it as a decimal string (``"12000.00"``) beside the currency."""

    id: int
    uid: str
    title: str
    amount_minor: int
    currency: str
    stage: str
    probability: int | None = None  # set on the deal; None: the stage's default
    stage_probability: int = 0  # the stage's default (0 for a stage no longer configured)
    contact: Ref | None = None
    company: Ref | None = None
    close_date: str | None = None
    lost_reason: str | None = None
    created_at: str = ""
    updated_at: str = ""
    closed_at: str | None = None

    @property
    def status(self) -> str:
        """open, won or lost (won and lost are the closed stages)."""
        return self.stage if self.stage in ("won", "lost") else "open"

    @property
    def closed_on(self) -> str | None:
        """The local day it was won or lost (``YYYY-MM-DD``); None while open. The close
        date (``close_date``) stays the expected one, as planned."""
        if self.closed_at is None or self.status == "open":
            return None
        from minicrm.core import dates  # lazy: start-up

        return dates.local_date(self.closed_at).isoformat()

    @property
    def effective_probability(self) -> int:
        """The deal's own probability, else its stage's; a closed deal has its stage's
        (won 100, lost 0 by default) whatever was set while it was open."""
        if self.probability is None or self.status != "open":
            return self.stage_probability
        return self.probability

    @property
    def weighted_minor(self) -> int:
        from minicrm.core import money  # lazy: start-up

        return money.weighted(self.amount_minor, self.effective_probability)

    @property
    def value(self) -> str:
        from minicrm.core import money  # lazy: start-up

        return money.format_minor(self.amount_minor, self.currency)

    def to_dict(self) -> dict[str, Any]:
        from minicrm.core import money  # lazy: start-up

        return {
            "id": self.id,
            "uid": self.uid,
            "title": self.title,
            "contact": self.contact.to_dict() if self.contact else None,
            "company": self.company.to_dict() if self.company else None,
            "value": self.value,
            "currency": self.currency,
            "stage": self.stage,
            "status": self.status,
            "probability": self.effective_probability,
            "probability_from": "deal"
            if self.probability is not None and self.status == "open"
            else "stage",
            "weighted_value": money.format_minor(self.weighted_minor, self.currency),
            "close_date": self.close_date,
            "lost_reason": self.lost_reason,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "closed_at": self.closed_at,
            "closed_on": self.closed_on,
        }


@dataclass
class StageChange:
    """One move of a deal between stages (``from_stage`` None: the deal was created)."""

    from_stage: str | None
    to_stage: str
    changed_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.from_stage, "to": self.to_stage, "at": self.changed_at}


@dataclass
class DealPage:
    """Everything `deal show` puts on one screen."""

    deal: Deal
    stage_changes: tuple[StageChange, ...]
    followups: tuple[FollowUp, ...]
    interactions: tuple[Interaction, ...]

    def to_dict(self) -> dict[str, Any]:
        data = self.deal.to_dict()
        data["stage_changes"] = [c.to_dict() for c in self.stage_changes]
        data["followups"] = [f.to_dict() for f in self.followups]
        data["interactions"] = [i.to_dict() for i in self.interactions]
        return data
