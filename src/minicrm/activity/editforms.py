"""The $EDITOR forms of ``interaction edit ID`` and ``followup edit ID`` (and, in
minicrm.deals.editform, ``deal edit ID``): the record as ``key: value`` lines (the text
or notes below ``---``), and what the edited form changes, as the options of the edit
command would give it (only the fields the user changed are passed on)."""

from __future__ import annotations

from typing import Any

from minicrm.activity.models import FollowUp, Interaction
from minicrm.core import dates, textform

INTERACTION_KEYS = ("kind", "at", "with")
FOLLOWUP_KEYS = ("title", "due", "at", "every", "priority", "contact", "deal")


def _when(stamp: str) -> str:
    return dates.local_datetime(stamp).strftime("%Y-%m-%d %H:%M")


def interaction_fields(item: Interaction) -> dict[str, str]:
    return {
        "kind": item.kind,
        "at": _when(item.occurred_at),
        "with": ", ".join(f"#{c.id}" for c in item.contacts),
    }


def interaction_form(item: Interaction) -> str:
    people = ", ".join(f"#{c.id} {c.name}" for c in item.contacts) or "nobody"
    header = [
        f"Edit interaction #{item.id} ({people}); save and quit. An unchanged file changes",
        "nothing; an emptied one too. kind: note, call, email, meeting or message. at: when",
        'it happened, e.g. 2026-11-20 15:00 or "yesterday 3pm". with: the contacts, comma-',
        "separated (ids, emails or names). The text is everything below the --- line.",
    ]
    return textform.render(header, interaction_fields(item), item.body)


def interaction_changes(item: Interaction, text: str) -> dict[str, Any]:
    """What the edited form changes: text, kind_, at, and ``with`` (the references as
    written, for the caller to resolve against the interaction's contacts)."""
    fields, body = textform.parse(text, INTERACTION_KEYS, with_body=True)
    changed = textform.changed(interaction_fields(item), fields)
    out: dict[str, Any] = {}
    if body is not None and body != item.body:
        out["text"] = body
    if "kind" in changed:
        out["kind_"] = changed["kind"]
    if "at" in changed:
        out["at"] = changed["at"]
    if "with" in changed:
        out["with"] = [r.strip() for r in changed["with"].split(",") if r.strip()]
    return out


def followup_fields(item: FollowUp) -> dict[str, str]:
    rule = item.recurrence.rule if item.recurrence else ""
    return {
        "title": item.title,
        "due": item.due_date,
        "at": item.due_time[:5] if item.due_time else "",
        "every": f"RRULE:{rule}" if rule else "",
        "priority": item.priority,
        "contact": f"#{item.contact.id}" if item.contact else "",
        "deal": f"#{item.deal_id}" if item.deal_id else "",
    }


def followup_form(item: FollowUp) -> str:
    who = f"#{item.contact.id} {item.contact.name}" if item.contact else "no contact"
    header = [
        f"Edit follow-up #{item.id} ({who}); save and quit. An unchanged file changes",
        "nothing; an emptied one too. due: a day (fri, +3d, 2026-12-04). at: a time, empty",
        "for all day. every: 2w, month, weekday, ... (empty: no repetition). priority: low,",
        "normal or high. contact, deal: an id (deal empty: none). The notes are below ---.",
    ]
    if item.recurrence:
        header.append(f"It repeats {item.recurrence.text}.")
    return textform.render(header, followup_fields(item), item.notes or "")


def followup_changes(item: FollowUp, text: str) -> dict[str, Any]:
    """What the edited form changes, as keyword arguments of
    :func:`minicrm.activity.followups.edit_followup` (``contact`` still a reference)."""
    fields, body = textform.parse(text, FOLLOWUP_KEYS, with_body=True)
    changed = textform.changed(followup_fields(item), fields)
    out: dict[str, Any] = {}
    for key in ("title", "due", "at", "contact", "deal"):
        if key in changed:
            out[key] = changed[key].lstrip("#") if key == "deal" else changed[key]
    if "every" in changed:
        out["every"] = changed["every"] or "none"
    if "priority" in changed:
        out["priority_"] = changed["priority"]
    if body is not None and body != (item.notes or ""):
        out["notes"] = body
    return out
