"""The $EDITOR form of ``deal edit ID``: the deal as ``key: value`` lines, and what the
edited form changes, as the options of ``deal edit`` would give it."""

from __future__ import annotations

from typing import Any

from minicrm.core import textform
from minicrm.deals.models import Deal

KEYS = ("title", "value", "currency", "close", "probability", "contact", "company", "reason")


def fields(deal: Deal) -> dict[str, str]:
    out = {
        "title": deal.title,
        "value": deal.value,
        "currency": deal.currency,
        "close": deal.close_date or "",
        "probability": "" if deal.probability is None else str(deal.probability),
        "contact": f"#{deal.contact.id}" if deal.contact else "",
        "company": deal.company.name if deal.company else "",
    }
    if deal.stage == "lost":
        out["reason"] = deal.lost_reason or ""
    return out


def form(deal: Deal) -> str:
    who = f"#{deal.contact.id} {deal.contact.name}" if deal.contact else "no contact"
    header = [
        f"Edit deal #{deal.id} ({who}, stage {deal.stage}); save and quit. An unchanged file",
        "changes nothing; an emptied one too. value: 12000 or 12,000.50. close: a day (dec 15,",
        f"+30d; empty: none). probability: 0-100 (empty: the stage's, {deal.stage_probability}%).",
        "contact: an id, email or name; company: a name (empty: none). The stage changes with",
        "minicrm deal move.",
    ]
    return textform.render(header, fields(deal))


def changes(deal: Deal, text: str) -> dict[str, Any]:
    """Keyword arguments of :func:`minicrm.deals.service.edit_deal` for what the user
    changed (``contact`` still a reference)."""
    given, _ = textform.parse(text, KEYS)
    changed = textform.changed(fields(deal), given)
    out: dict[str, Any] = {k: v for k, v in changed.items() if k != "probability"}
    if "probability" in changed:
        out["probability_"] = changed["probability"] or "default"
    return out
