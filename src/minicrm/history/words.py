"""A change set in words: what a command did, said as a person would ("edit of Maria
González: removed email maria@old.example"), from its history rows.

:mod:`minicrm.history.service` reads the rows and calls :func:`summarize`; `history`, `undo` and
`redo` print the result, and keep the row-level view (tables, ids, JSON values) for
``--verbose`` and ``--json``. No SQL and no printing here: names of contacts and companies
the rows only point to come from the ``names`` callable the caller passes.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Summary:
    """``subject`` ("edit of Maria González") and what it did, one phrase each."""

    subject: str
    details: tuple[str, ...]

    def details_text(self, most: int = 4) -> str:
        """``removed email x; title CTO → CEO`` (at most ``most`` phrases, then "and N
        more"); "" when nothing is said."""
        shown = "; ".join(self.details[:most])
        more = len(self.details) - most
        return shown + (f"; and {more} more" if more > 0 else "")

    def text(self, most: int = 4) -> str:
        """``edit of Maria González: removed email x; title CTO → CEO``."""
        details = self.details_text(most)
        return f"{self.subject}: {details}" if details else self.subject


def _count(n: int, table: str) -> str:
    one, many = NOUNS.get(table, (table, table))
    return f"{n:,} {one if n == 1 else many}"


def _quote(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def command_words(command: str) -> str:
    """What a command line did: ``minicrm --db x.db deal won 3`` -> ``deal won``;
    ``python`` (a script calling the library) -> ``change``."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if not words or words[0] != "minicrm":
        return "change"
    rest, skip = [], False
    for word in words[1:]:
        if skip:
            skip = False
        elif word == "--db":
            skip = True
        elif not word.startswith("-"):
            rest.append(word)
    if not rest:
        return "change"
    if rest[0] in GROUPS and len(rest) > 1 and not rest[1].lstrip("#").isdigit():
        return " ".join(rest[:2])
    return rest[0]


class _Reader:
    """The rows of one change set, with the names of the contacts they concern."""

    def __init__(self, rows: Sequence[dict[str, Any]], names: Names) -> None:
        self.rows = rows
        self.contact_names: dict[int, str] = {}
        for r in rows:
            if r["entity"] == "contacts":
                image = r["after"] or r["before"] or {}
                if image.get("display_name"):
                    self.contact_names[r["row_id"]] = image["display_name"]
        self.touched = self._contacts_touched()
        missing = sorted(self.touched - set(self.contact_names))
        if missing:
            self.contact_names.update(names("contacts", missing))
        self.company_ids = {
            value
            for r in rows
            if r["entity"] == "contacts" and r["op"] == "update"
            for value in (
                (r["before"] or {}).get("company_id"),
                (r["after"] or {}).get("company_id"),
            )
            if value is not None
        }
        self.company_names = (
            names("companies", sorted(self.company_ids)) if self.company_ids else {}
        )
        self.created = {
            r["row_id"] for r in rows if r["entity"] == "contacts" and r["op"] == "insert"
        }
        self.deleted = {
            r["row_id"] for r in rows if r["entity"] == "contacts" and r["op"] == "delete"
        }
        self.interactions_written = {
            r["row_id"] for r in rows if r["entity"] == "interactions" and r["op"] != "update"
        }
        # interaction -> the contact it was written or deleted with, when that is the only one
        with_contact: dict[int, set[int]] = {}
        for r in rows:
            if r["entity"] == "interaction_contacts" and r["op"] != "update":
                image = r["after"] or r["before"] or {}
                with_contact.setdefault(image.get("interaction_id"), set()).add(
                    image.get("contact_id")
                )
        self.link_owner = {
            iid: next(iter(people)) for iid, people in with_contact.items() if len(people) == 1
        }

    def _contacts_touched(self) -> set[int]:
        ids: set[int] = set()
        for r in self.rows:
            if r["entity"] == "contacts":
                ids.add(r["row_id"])
                continue
            if r["entity"] in CHILDREN or r["entity"] in OWNED:
                ids.update(
                    image["contact_id"]
                    for image in (r["before"], r["after"])
                    if image and image.get("contact_id") is not None
                )
        return ids

    def name(self, contact_id: int | None) -> str:
        if contact_id is None:
            return "no contact"
        return self.contact_names.get(contact_id, f"contact #{contact_id}")

    def company(self, company_id: int | None) -> str | None:
        if company_id is None:
            return None
        return self.company_names.get(company_id, f"company #{company_id}")


def _move(moved: dict[int, dict[str, int]], contact_id: int, table: str) -> None:
    """Count a row a merge moved to ``contact_id`` (said once per contact at the end)."""
    tables = moved.setdefault(contact_id, {})
    tables[table] = tables.get(table, 0) + 1


def _field_phrase(label: str, before: Any, after: Any) -> str:
    if before in (None, ""):
        return f"set {label} to {_quote(after)}"
    if after in (None, ""):
        return f"cleared {label} (was {_quote(before)})"
    return f"{label} {_quote(before)} → {_quote(after)}"


def _contact_update(r: dict[str, Any], reader: _Reader) -> list[str]:
    before, after = r["before"] or {}, r["after"] or {}
    phrases = []
    for column in dict.fromkeys([*before, *after]):
        old, new = before.get(column), after.get(column)
        if old == new or column in NOISE or column in ("id", "uid", "created_at"):
            continue
        if column == "archived":
            phrases.append("archived" if new else "unarchived")
        elif column == "company_id":
            phrases.append(_field_phrase("company", reader.company(old), reader.company(new)))
        elif column == "cadence_days":
            phrases.append(
                _field_phrase(
                    "keep-in-touch cadence",
                    f"every {old} days" if old else None,
                    f"every {new} days" if new else None,
                )
            )
        elif column in CONTACT_FIELDS:
            phrases.append(_field_phrase(CONTACT_FIELDS[column], old, new))
        elif column in WHOLE_FIELDS:
            phrases.append(f"changed {WHOLE_FIELDS[column]}")
        else:
            phrases.append(f"changed {column}")
    return phrases


def _child(r: dict[str, Any], reader: _Reader, moved: dict[int, dict[str, int]]) -> list[str]:
    what = CHILDREN[r["entity"]]
    before, after = r["before"] or {}, r["after"] or {}
    value = (after or before).get("tag" if what == "tag" else "value")
    if r["op"] == "insert":
        label = f" ({after['label']})" if after.get("label") else ""
        return [f"added {what} {_quote(value)}{label}"]
    if r["op"] == "delete":
        return [f"removed {what} {_quote(value)}"]
    if before.get("contact_id") != after.get("contact_id"):  # a merge moves it
        _move(moved, after.get("contact_id"), r["entity"])
        return []
    if before.get("label") != after.get("label"):
        return [
            _field_phrase(
                f"the label of {what} {_quote(value)}", before.get("label"), after.get("label")
            )
        ]
    return []  # its position only


def _followup(r: dict[str, Any], reader: _Reader, moved: dict[int, dict[str, int]]) -> list[str]:
    before, after = r["before"] or {}, r["after"] or {}
    title = _quote((after or before).get("title"))

    def due(image: dict[str, Any]) -> str:
        return image["due_date"] + (f" {image['due_time']}" if image.get("due_time") else "")

    if r["op"] == "insert":
        return [f'added follow-up "{title}" due {due(after)}']
    if r["op"] == "delete":
        return [f'deleted follow-up "{title}"']
    phrases = []
    if before.get("status") != after.get("status"):
        phrases.append(
            {"done": f'marked "{title}" done', "cancelled": f'cancelled "{title}"'}.get(
                after.get("status"), f'reopened "{title}"'
            )
        )
    if (before.get("due_date"), before.get("due_time")) != (
        after.get("due_date"),
        after.get("due_time"),
    ):
        phrases.append(f'moved "{title}" from {due(before)} to {due(after)}')
    if before.get("contact_id") != after.get("contact_id"):
        if after.get("contact_id") is not None and before.get("contact_id") is not None:
            _move(moved, after["contact_id"], "followups")
        else:
            phrases.append(f'follow-up "{title}" now for {reader.name(after.get("contact_id"))}')
    others = {
        k
        for k in dict.fromkeys([*before, *after])
        if before.get(k) != after.get(k)
        and k not in NOISE
        and k
        not in {
            "status",
            "due_date",
            "due_time",
            "contact_id",
            "completed_at",
            "cancelled_at",
            "snoozed_from",
        }
    }
    if others:
        phrases.append(f'edited follow-up "{title}"')
    return phrases


def _deal(r: dict[str, Any], reader: _Reader, moved: dict[int, dict[str, int]]) -> list[str]:
    from minicrm.core import money

    before, after = r["before"] or {}, r["after"] or {}
    image = after or before
    title = _quote(image.get("title"))
    if r["op"] == "insert":
        worth = ""
        if image.get("amount_minor") is not None and image.get("currency"):
            worth = f" ({money.show(image['amount_minor'], image['currency'])})"
        return [f'added deal "{title}"{worth}']
    if r["op"] == "delete":
        return [f'deleted deal "{title}"']
    phrases = []
    if before.get("stage") != after.get("stage"):
        phrases.append(f'deal "{title}" {before.get("stage")} → {after.get("stage")}')
    old_contact, new_contact = before.get("contact_id"), after.get("contact_id")
    if old_contact != new_contact:
        if old_contact is not None and new_contact is not None:
            _move(moved, new_contact, "deals")
        elif new_contact is None:
            phrases.append(f'deal "{title}" kept without a contact')
        else:
            phrases.append(f'deal "{title}" linked to {reader.name(new_contact)}')
    others = {
        k
        for k in dict.fromkeys([*before, *after])
        if before.get(k) != after.get(k)
        and k not in NOISE
        and k not in {"stage", "closed_at", "lost_reason", "contact_id"}
    }
    if others:
        phrases.append(f'edited deal "{title}"')
    return phrases


def _interaction(r: dict[str, Any], reader: _Reader) -> list[str]:
    from minicrm.core.models import first_line

    image = r["after"] or r["before"] or {}
    text = _quote(first_line(image.get("body") or ""))
    kind = image.get("kind", "interaction")
    if r["op"] == "insert":
        return [f'logged {kind} "{text}"']
    if r["op"] == "delete":
        return [f'deleted {kind} "{text}"']
    before, after = r["before"] or {}, r["after"] or {}
    if any(before.get(k) != after.get(k) for k in ("body", "kind", "occurred_at")):
        return [f'edited {kind} "{text}"']
    return []


def _link(r: dict[str, Any], reader: _Reader, moved: dict[int, dict[str, int]]) -> list[str]:
    before, after = r["before"] or {}, r["after"] or {}
    image = after or before
    if image.get("interaction_id") in reader.interactions_written:
        return []
    if r["op"] == "update":
        if after.get("contact_id") is not None:
            _move(moved, after["contact_id"], "interactions")
        return []
    who = reader.name(image.get("contact_id"))
    where = f"interaction #{image.get('interaction_id')}"
    return [f"added {who} to {where}" if r["op"] == "insert" else f"removed {who} from {where}"]


def _other(r: dict[str, Any]) -> list[str]:
    before, after = r["before"] or {}, r["after"] or {}
    image = after or before
    entity = r["entity"]
    if entity == "companies":
        name = _quote(image.get("name"))
        if r["op"] == "update" and before.get("name") != after.get("name"):
            return [f"renamed company {_quote(before.get('name'))} → {_quote(after.get('name'))}"]
        return [f"{VERBS[r['op']]} company {name}"]
    if entity == "tag_cadences":
        tag = image.get("tag")
        if r["op"] == "delete":
            return [f"removed the keep-in-touch cadence of tag {tag}"]
        return [f"contacts tagged {tag}: every {after.get('days')} days"]
    if entity == "dupe_ignores":
        return [
            'marked two contacts "not a duplicate"'
            if r["op"] == "insert"
            else 'removed a "not a duplicate" mark'
            if r["op"] == "delete"
            else 'carried a "not a duplicate" mark over'
        ]
    one, _ = NOUNS.get(entity, (entity, entity))
    return [f"{VERBS.get(r['op'], r['op'])} {one} #{r['row_id']}"]


def _with(owned: dict[str, int]) -> str:
    parts = [_count(n, table) for table, n in owned.items() if n and table in NOUNS]
    return f" (with {', '.join(parts)})" if parts else ""


def _phrases(reader: _Reader) -> list[str]:
    """One phrase per thing done, in the order done; what belongs to a contact added or
    deleted by the same command is counted on that contact's phrase."""
    moved: dict[int, dict[str, int]] = {}
    owned: dict[int, dict[str, int]] = {}  # contact added/deleted -> table -> rows
    whole = reader.created | reader.deleted
    phrases: list[str] = []
    contact_phrase: dict[int, int] = {}
    for r in reader.rows:
        entity, image = r["entity"], r["after"] or r["before"] or {}
        # a record that could not be read (damaged, store/jsonvalues.py) reads as None
        if (r["op"] != "insert" and r["before"] is None) or (
            r["op"] != "delete" and r["after"] is None
        ):
            one, _ = NOUNS.get(entity, (entity, entity))
            verb = VERBS.get(r["op"], r["op"])
            phrases.append(
                f"{verb} {one} #{r['row_id']} (its record is damaged: see minicrm db check)"
            )
            continue
        owner = image.get("contact_id")
        if entity == "interactions":
            owner = reader.link_owner.get(r["row_id"])
        if entity in QUIET and entity != "interaction_contacts":
            continue
        if entity != "contacts" and owner in whole and r["op"] != "update":
            if entity == "interaction_contacts":
                continue
            table = entity
            owned.setdefault(owner, {}).setdefault(table, 0)
            owned[owner][table] += 1
            continue
        if entity == "contacts":
            if r["op"] == "update":
                if r["row_id"] not in whole:  # added or deleted whole: that says it
                    phrases += _contact_update(r, reader)
            else:
                contact_phrase[r["row_id"]] = len(phrases)
                verb = "added" if r["op"] == "insert" else "deleted"
                phrases.append(f"{verb} contact {reader.name(r['row_id'])}")
        elif entity in CHILDREN:
            phrases += _child(r, reader, moved)
        elif entity == "followups":
            phrases += _followup(r, reader, moved)
        elif entity == "deals":
            phrases += _deal(r, reader, moved)
        elif entity == "interactions":
            phrases += _interaction(r, reader)
        elif entity == "interaction_contacts":
            phrases += _link(r, reader, moved)
        else:
            phrases += _other(r)
    for contact_id, index in contact_phrase.items():
        phrases[index] += _with(owned.get(contact_id, {}))
    for contact_id, tables in moved.items():
        phrases.append(
            f"moved {', '.join(_count(n, t) for t, n in tables.items())} to {reader.name(contact_id)}"
        )
    return list(dict.fromkeys(p for p in phrases if p))


def _by_counts(counts: dict[str, dict[str, int]]) -> list[str]:
    """For a change set too big to list: ``added 1,000 contacts`` per table and op."""
    phrases = []
    for table, ops in counts.items():
        if table in QUIET:
            continue
        for op, n in ops.items():
            phrases.append(f"{VERBS.get(op, op)} {_count(n, table)}")
    return phrases


def _who(reader: _Reader) -> str | None:
    ids = sorted(reader.touched)
    if len(ids) == 1:
        return reader.name(ids[0])
    if len(ids) == 2:
        return f"{reader.name(ids[0])} and {reader.name(ids[1])}"
    if ids:
        return f"{len(ids):,} contacts"
    for r in reader.rows:
        image = r["after"] or r["before"] or {}
        if r["entity"] == "deals" and image.get("title"):
            return f'deal "{_quote(image["title"])}"'
        if r["entity"] == "companies" and image.get("name"):
            return f"company {_quote(image['name'])}"
    return None


def summarize(
    command: str,
    kind: str,
    undoes: int | None,
    rows: Sequence[dict[str, Any]],
    counts: dict[str, dict[str, int]],
    total: int,
    names: Names,
) -> Summary:
    """The change set in words. ``rows`` are its history rows (decoded, in the order
    written), maybe only the first of ``total``: then what it did is said by ``counts``."""
    reader = _Reader(rows, names)
    if kind == "undo":
        words = f"undo of #{undoes}"
    elif kind == "redo":
        words = f"redo (undoing undo #{undoes})"
    else:
        words = command_words(command)
    complete = len(rows) >= total
    who = _who(reader) if complete else None
    subject = f"{words} of {who}" if who and kind == "command" else words
    details = _phrases(reader) if complete else _by_counts(counts)
    return Summary(subject, tuple(details))
