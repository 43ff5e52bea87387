"""One phrase per thing a change set did, by kind of record: a contact's fields, its
emails and tags, a follow-up, a deal, an interaction, a link, anything else. The
:class:`Reader` walks a change set's rows and names what they point to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minicrm.history.vocabulary import (
    CHILDREN,
    CONTACT_FIELDS,
    NOISE,
    NOUNS,
    OWNED,
    VERBS,
    WHOLE_FIELDS,
    Names,
    counted,
    quoted,
)


class Reader:
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
                interaction_id, contact_id = image.get("interaction_id"), image.get("contact_id")
                if interaction_id is not None and contact_id is not None:  # NOT NULL columns
                    with_contact.setdefault(interaction_id, set()).add(contact_id)
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


def _move(moved: dict[int, dict[str, int]], contact_id: int | None, table: str) -> None:
    """Count a row a merge moved to ``contact_id`` (said once per contact at the end)."""
    if contact_id is None:  # moved to no contact: no merge did that
        return
    tables = moved.setdefault(contact_id, {})
    tables[table] = tables.get(table, 0) + 1


def _field_phrase(label: str, before: Any, after: Any) -> str:
    if before in (None, ""):
        return f"set {label} to {quoted(after)}"
    if after in (None, ""):
        return f"cleared {label} (was {quoted(before)})"
    return f"{label} {quoted(before)} → {quoted(after)}"


def contact_update_phrases(r: dict[str, Any], reader: Reader) -> list[str]:
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


def child_phrases(r: dict[str, Any], reader: Reader, moved: dict[int, dict[str, int]]) -> list[str]:
    what = CHILDREN[r["entity"]]
    before, after = r["before"] or {}, r["after"] or {}
    value = (after or before).get("tag" if what == "tag" else "value")
    if r["op"] == "insert":
        label = f" ({after['label']})" if after.get("label") else ""
        return [f"added {what} {quoted(value)}{label}"]
    if r["op"] == "delete":
        return [f"removed {what} {quoted(value)}"]
    if before.get("contact_id") != after.get("contact_id"):  # a merge moves it
        _move(moved, after.get("contact_id"), r["entity"])
        return []
    if before.get("label") != after.get("label"):
        return [
            _field_phrase(
                f"the label of {what} {quoted(value)}", before.get("label"), after.get("label")
            )
        ]
    return []  # its position only


def followup_phrases(
    r: dict[str, Any], reader: Reader, moved: dict[int, dict[str, int]]
) -> list[str]:
    before, after = r["before"] or {}, r["after"] or {}
    title = quoted((after or before).get("title"))

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
                after.get("status") or "", f'reopened "{title}"'
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


def deal_phrases(r: dict[str, Any], reader: Reader, moved: dict[int, dict[str, int]]) -> list[str]:
    from minicrm.core import money  # lazy: start-up

    before, after = r["before"] or {}, r["after"] or {}
    image = after or before
    title = quoted(image.get("title"))
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


def interaction_phrases(r: dict[str, Any], reader: Reader) -> list[str]:
    from minicrm.core.models import first_line  # lazy: start-up

    image = r["after"] or r["before"] or {}
    text = quoted(first_line(image.get("body") or ""))
    kind = image.get("kind", "interaction")
    if r["op"] == "insert":
        return [f'logged {kind} "{text}"']
    if r["op"] == "delete":
        return [f'deleted {kind} "{text}"']
    before, after = r["before"] or {}, r["after"] or {}
    if any(before.get(k) != after.get(k) for k in ("body", "kind", "occurred_at")):
        return [f'edited {kind} "{text}"']
    return []


def link_phrases(r: dict[str, Any], reader: Reader, moved: dict[int, dict[str, int]]) -> list[str]:
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


def other_phrases(r: dict[str, Any]) -> list[str]:
    before, after = r["before"] or {}, r["after"] or {}
    image = after or before
    entity = r["entity"]
    if entity == "companies":
        name = quoted(image.get("name"))
        if r["op"] == "update" and before.get("name") != after.get("name"):
            return [f"renamed company {quoted(before.get('name'))} → {quoted(after.get('name'))}"]
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


def with_owned(owned: dict[str, int]) -> str:
    parts = [counted(n, table) for table, n in owned.items() if n and table in NOUNS]
    return f" (with {', '.join(parts)})" if parts else ""
