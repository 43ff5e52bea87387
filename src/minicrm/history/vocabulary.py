"""The words history is told in: what each table and column is called, which columns
change only as a consequence of others, which records belong to another, and the
counting and quoting every phrase uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# Columns that change as a consequence of others, never on their own account.
NOISE = frozenset(
    {"updated_at", "name_key", "value_key", "last_contacted_at", "last_interaction_id"}
)


CONTACT_FIELDS = {
    "display_name": "name",
    "given_name": "given name",
    "family_name": "family name",
    "nickname": "nickname",
    "title": "title",
    "company_id": "company",
    "birthday": "birthday",
    "stage": "stage",
    "source": "source",
    "cadence_days": "keep-in-touch cadence",
}


WHOLE_FIELDS = {  # too long to quote: "changed the notes"
    "notes": "the notes",
    "custom": "the custom fields",
    "photo": "the photo",
    "vcard_extra": "the vCard properties",
}


CHILDREN = {
    "contact_emails": "email",
    "contact_phones": "phone",
    "contact_addresses": "address",
    "contact_urls": "URL",
    "contact_dates": "date",
    "contact_tags": "tag",
}


NOUNS = {
    "contacts": ("contact", "contacts"),
    "contact_emails": ("email", "emails"),
    "contact_phones": ("phone", "phones"),
    "contact_addresses": ("address", "addresses"),
    "contact_urls": ("URL", "URLs"),
    "contact_dates": ("date", "dates"),
    "contact_tags": ("tag", "tags"),
    "interactions": ("interaction", "interactions"),
    "followups": ("follow-up", "follow-ups"),
    "deals": ("deal", "deals"),
    "companies": ("company", "companies"),
    "tag_cadences": ("tag cadence", "tag cadences"),
    "dupe_ignores": ('"not a duplicate" mark', '"not a duplicate" marks'),
}


VERBS = {"insert": "added", "update": "changed", "delete": "deleted"}


# Tables whose rows name the contact they belong to (besides the contact's own children).
OWNED = frozenset({"followups", "deals", "interaction_contacts"})


# Tables whose rows follow from another row of the same change set.
QUIET = frozenset({"interaction_contacts", "deal_stage_changes"})


# Command groups: their sub-command is part of what was done ("deal won").
GROUPS = frozenset({"deal", "followup", "interaction", "company", "db", "tag"})


Names = Callable[[str, Sequence[int]], dict[int, str]]  # (table, ids) -> id: name


def counted(n: int, table: str) -> str:
    one, many = NOUNS.get(table, (table, table))
    return f"{n:,} {one if n == 1 else many}"


def quoted(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"
