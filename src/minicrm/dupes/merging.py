"""Merging two contacts into one: the plan (field by field) and the merge itself.

The first contact (A) survives, the second (B) is merged into it and deleted. Rules, the
same as an import's merge where they overlap (fill what is empty, add what is new, never
overwrite silently):

- single values: A's wins; B's fills what A lacks. When both are set and differ, A's is
  kept and B's is written into A's notes ("Merged from #B ...: title: CTO; ..."), so
  nothing B knew is lost. Exceptions: the keep-in-touch cadence takes the shorter; a
  birthday given as a full date beats the same day without a year; the contact is
  archived only if both were; it was created when the older of the two was.
- emails, phones (compared by their keys), addresses, URLs, dates, tags, vCard
  properties: the union, B's new ones after A's. Where both have a value, B's label
  fills A's missing one, and a different one goes to the notes line; a date of the same
  day with another label is another date (both kept). Custom fields: the union, A's value on
  a clash (B's then goes to the notes line).
- notes: A's, then B's (unless the same), then the line of B's differing values.
- B's interactions, follow-ups and deals move to A; an interaction both took part in
  keeps one link. "Not a duplicate" marks naming B now name A. A's last-contacted time
  is computed again from its interactions.

Every write goes through Store.insert/update/delete in ONE transaction: one change set,
whose history holds B's complete rows, so undo can put both contacts back as they were.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from minicrm.activity import interactions
from minicrm.activity import queries as activity_queries
from minicrm.contacts import queries as contacts_queries
from minicrm.contacts import reading as contacts
from minicrm.contacts import refs
from minicrm.contacts.models import Contact
from minicrm.core import clock, validate
from minicrm.core.errors import Conflict, InvalidInput
from minicrm.core.models import Ref
from minicrm.db import jsonvalues
from minicrm.db.store import Row, Store
from minicrm.deals import queries as deals_queries
from minicrm.dupes import queries

# (column, name shown) of the single values, in the order the plan lists them.
SCALARS = (
    ("display_name", "name"),
    ("given_name", "given_name"),
    ("family_name", "family_name"),
    ("nickname", "nickname"),
    ("title", "title"),
    ("company_id", "company"),
    ("birthday", "birthday"),
    ("stage", "stage"),
    ("source", "source"),
    ("cadence_days", "keep_in_touch_days"),
    ("archived", "archived"),
    ("photo", "photo"),
    ("created_at", "created_at"),
)


@dataclass(frozen=True)
class FieldResult:
    """One line of the plan: the field, A's value, B's value, the result, and how."""

    field: str
    a: Any
    b: Any
    result: Any
    rule: str  # same, a, b, both, union, conflict, shorter, full date, older, ...

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "a": self.a,
            "b": self.b,
            "result": self.result,
            "rule": self.rule,
        }


@dataclass(frozen=True)
class MergePlan:
    survivor: Ref
    merged: Ref
    fields: tuple[FieldResult, ...]
    interactions: int  # B's interaction links moved to A
    shared_interactions: int  # interactions both took part in (B's link dropped)
    followups: int
    deals: int
    ignores: int  # "not a duplicate" marks carried over from B to A

    @property
    def conflicts(self) -> list[str]:
        return [f.field for f in self.fields if f.rule == "conflict"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "survivor": self.survivor.to_dict(),
            "merged": self.merged.to_dict(),
            "fields": [f.to_dict() for f in self.fields],
            "conflicts": self.conflicts,
            "moves": {
                "interactions": self.interactions,
                "shared_interactions": self.shared_interactions,
                "followups": self.followups,
                "deals": self.deals,
                "not_duplicate_marks": self.ignores,
            },
        }


@dataclass(frozen=True)
class MergeResult:
    plan: MergePlan
    dry_run: bool
    contact: Contact  # the survivor after the merge (as it is now, on a dry run)

    def to_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, **self.plan.to_dict(), "contact": self.contact.to_dict()}


@dataclass
class _Work:
    """What the merge writes (computed by _plan, done by _apply)."""

    a: Row
    b: Row
    columns: dict[str, Any] = field(default_factory=dict)  # A's new column values
    move_children: list[tuple[str, int, int]] = field(default_factory=list)  # table, id, pos
    drop_children: list[tuple[str, int]] = field(default_factory=list)
    relabel: list[tuple[str, int, str]] = field(default_factory=list)  # A's row gets B's label
    move_links: list[int] = field(default_factory=list)
    drop_links: list[int] = field(default_factory=list)
    followups: list[int] = field(default_factory=list)
    deals: list[int] = field(default_factory=list)
    ignores: list[tuple[int, tuple[str, str] | None]] = field(default_factory=list)


def plan_merge(store: Store, keep: str | int, merge: str | int) -> MergePlan:
    """What merging ``merge`` into ``keep`` would do, changing nothing."""
    with store.snapshot():
        plan, _ = _plan(store, *_ids(store, keep, merge))
        return plan


def merge_contacts(
    store: Store,
    keep: str | int,
    merge: str | int,
    *,
    dry_run: bool = False,
    expected: MergePlan | None = None,
) -> MergeResult:
    """Merge contact ``merge`` (B) into ``keep`` (A), which survives; B is deleted. One
    transaction. With ``expected`` (a plan shown to the user before asking), refuse if
    either contact changed in the meantime."""
    if dry_run:
        with store.snapshot():
            a_id, b_id = _ids(store, keep, merge)
            plan, _ = _plan(store, a_id, b_id)
            return MergeResult(plan, True, contacts.get_contact(store, a_id))
    with store.transaction():
        a_id, b_id = _ids(store, keep, merge)
        plan, work = _plan(store, a_id, b_id)
        if expected is not None and plan != expected:
            raise Conflict(
                f"#{a_id} or #{b_id} was changed by another command while you were deciding; "
                "nothing was merged",
                hint="run the merge again",
            )
        _apply(store, work)
        return MergeResult(plan, False, contacts.get_contact(store, a_id))


def _ids(store: Store, keep: str | int, merge: str | int) -> tuple[int, int]:
    a = refs.contact_id(store, str(keep))
    b = refs.contact_id(store, str(merge))
    if a == b:
        raise InvalidInput(
            f"both references name the same contact #{a}", hint="give two different contacts"
        )
    return a, b


def _shown(value: Any) -> Any:
    return None if value in (None, "", [], {}) else value


def _plan(store: Store, a_id: int, b_id: int) -> tuple[MergePlan, _Work]:
    a = store.get("contacts", a_id)
    b = store.get("contacts", b_id)
    assert a is not None and b is not None
    work = _Work(a, b)
    fields: list[FieldResult] = []
    noted: list[str] = []  # B's differing values, for A's notes

    def company(cid: int | None) -> str | None:
        return queries.company_name(store, cid) if cid is not None else None

    for column, name in SCALARS:
        va, vb = a[column], b[column]
        shows: dict[str, Callable[[Any], Any]] = {
            "company_id": company,
            "archived": bool,
            "photo": lambda v: None if v is None else "(photo)",
        }
        shown = shows.get(column, lambda v: v)
        result, rule = _scalar(column, va, vb)
        if rule == "conflict" and column != "photo":
            noted.append(f"{name}: {shown(vb)}")
        if result != va:
            work.columns[column] = result
            if column == "display_name":
                work.columns["name_key"] = validate.key(result)
        if column == "archived":
            listed = bool(va or vb)
        elif column == "created_at":
            listed = va != vb
        else:
            listed = _shown(va) is not None or _shown(vb) is not None
        if listed:
            fields.append(FieldResult(name, shown(va), shown(vb), shown(result), rule))

    for kind, spec in contacts.KINDS.items():
        keyer = _keyer(kind)
        rows_a = contacts_queries.contact_children(store, spec.table, [a_id])[a_id]
        rows_b = contacts_queries.contact_children(store, spec.table, [b_id])[b_id]
        have: dict[str, list[dict[str, Any]]] = {}  # key -> A's rows (labels as merged)
        for r in rows_a:
            have.setdefault(keyer(r["value"]), []).append(dict(r))
        position = max((r["position"] for r in rows_a), default=-1)
        labelled = False
        for r in rows_b:
            twin = _twin(kind, r, have.get(keyer(r["value"]), []))
            if twin is None:  # new to A (or a date of the same day with another label)
                have.setdefault(keyer(r["value"]), []).append(dict(r))
                position += 1
                work.move_children.append((spec.table, r["id"], position))
                continue
            work.drop_children.append((spec.table, r["id"]))
            if r["label"] and not twin["label"]:  # A has the value: B's label fills A's
                twin["label"] = r["label"]
                if twin["contact_id"] == a_id:
                    work.relabel.append((spec.table, twin["id"], r["label"]))
                labelled = True
            elif r["label"] and twin["label"] != r["label"]:
                noted.append(f"{spec.what} {r['value']}: label {r['label']}")
        moved = {i for t, i, _ in work.move_children if t == spec.table}
        values_a = [r["value"] for r in rows_a]
        values_b = [r["value"] for r in rows_b]
        if values_a or values_b:
            result = values_a + [r["value"] for r in rows_b if r["id"] in moved]
            rule = _list_rule(values_a, values_b, result) + (" + labels" if labelled else "")
            fields.append(FieldResult(kind, values_a, values_b, result, rule))

    tags_a = contacts_queries.contact_children(store, "contact_tags", [a_id])[a_id]
    tags_b = contacts_queries.contact_children(store, "contact_tags", [b_id])[b_id]
    names_a = {r["tag"] for r in tags_a}
    for r in tags_b:
        if r["tag"] in names_a:
            work.drop_children.append(("contact_tags", r["id"]))
        else:
            work.move_children.append(("contact_tags", r["id"], 0))
    if tags_a or tags_b:
        ta, tb = sorted(names_a), sorted(r["tag"] for r in tags_b)
        result = sorted(names_a | set(tb))
        fields.append(FieldResult("tags", ta, tb, result, _list_rule(ta, tb, result)))

    custom_a = jsonvalues.read_strict(
        "contacts", "custom", a["id"], a["custom"], f"contact #{a['id']}"
    )
    custom_b = jsonvalues.read_strict(
        "contacts", "custom", b["id"], b["custom"], f"contact #{b['id']}"
    )
    custom = {**custom_b, **custom_a}
    for key in sorted(custom_b):
        if key in custom_a and custom_a[key] != custom_b[key]:
            noted.append(f"{key}: {custom_b[key]}")
    if custom_a or custom_b:
        clash = any(k in custom_a and custom_a[k] != v for k, v in custom_b.items())
        rule = "conflict" if clash else _list_rule(custom_a, custom_b, custom)
        fields.append(FieldResult("custom", custom_a, custom_b, custom, rule))
        if custom != custom_a:
            work.columns["custom"] = json.dumps(custom, ensure_ascii=False, sort_keys=True)

    extra_a = jsonvalues.read_strict(
        "contacts", "vcard_extra", a["id"], a["vcard_extra"], f"contact #{a['id']}"
    )
    extra_b = jsonvalues.read_strict(
        "contacts", "vcard_extra", b["id"], b["vcard_extra"], f"contact #{b['id']}"
    )
    extra = extra_a + [line for line in extra_b if line not in extra_a]
    if extra_a or extra_b:
        fields.append(
            FieldResult(
                "vcard_properties", extra_a, extra_b, extra, _list_rule(extra_a, extra_b, extra)
            )
        )
        if extra != extra_a:
            work.columns["vcard_extra"] = json.dumps(extra, ensure_ascii=False)

    notes = _notes(a, b, noted)
    if notes != a["notes"]:
        work.columns["notes"] = notes
    if a["notes"] or b["notes"] or notes:
        if notes == a["notes"]:
            rule = "same" if a["notes"] == b["notes"] else "a"
        else:
            kept_b = bool(b["notes"]) and b["notes"] in (notes or "") and b["notes"] != a["notes"]
            rule = ("both" if a["notes"] else "b") if kept_b else "a"
            rule += " + differing values" if noted else ""
        fields.append(FieldResult("notes", a["notes"], b["notes"], notes, rule))

    a_interactions = {r["interaction_id"] for r in queries.interaction_links_of(store, a_id)}
    for link in queries.interaction_links_of(store, b_id):
        if link["interaction_id"] in a_interactions:
            work.drop_links.append(link["id"])
        else:
            work.move_links.append(link["id"])
    work.followups = activity_queries.followup_ids_of_contact(store, b_id)
    work.deals = deals_queries.deal_ids_of_contact(store, b_id)
    for row in queries.ignore_rows_naming(store, b["uid"]):
        other = row["contact_b_uid"] if row["contact_a_uid"] == b["uid"] else row["contact_a_uid"]
        pair = tuple(sorted((a["uid"], other)))
        if other == a["uid"] or queries.ignore_row(store, *pair) is not None:
            work.ignores.append((row["id"], None))
        else:
            work.ignores.append((row["id"], (pair[0], pair[1])))

    plan = MergePlan(
        survivor=Ref(a_id, a["uid"], a["display_name"]),
        merged=Ref(b_id, b["uid"], b["display_name"]),
        fields=tuple(fields),
        interactions=len(work.move_links),
        shared_interactions=len(work.drop_links),
        followups=len(work.followups),
        deals=len(work.deals),
        ignores=sum(1 for _, pair in work.ignores if pair is not None),
    )
    return plan, work


def _twin(kind: str, row: Row, same: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The row of A (or one of B's already moved) that B's ``row`` repeats, if any: the
    same value (by key). A date is the same only with the same label, or where one of
    them has none: an anniversary and a wedding on one day are two dates, both kept."""
    if not same:
        return None
    if kind != "dates":
        return same[0]
    for candidate in same:
        if candidate["label"] == row["label"]:
            return candidate
    for candidate in same:
        if not candidate["label"] or not row["label"]:
            return candidate
    return None


def _keyer(kind: str) -> Callable[[str], str]:
    """How two items of a kind are compared (as an import compares them): emails and
    phones by their keys, dates as stored (already normalised), the rest ignoring case,
    accents and spacing."""
    spec = contacts.KINDS[kind]
    if spec.key is not None:
        return spec.key
    if kind == "dates":
        return str
    return validate.key


def _scalar(column: str, va: Any, vb: Any) -> tuple[Any, str]:
    """(result, rule) for one single value."""
    empty_a, empty_b = va in (None, ""), vb in (None, "")
    if column == "archived":
        return (int(bool(va) and bool(vb)), "same" if va == vb else "active wins")
    if column == "created_at":
        return (min(va, vb), "same" if va == vb else ("a" if va <= vb else "older"))
    if empty_b or va == vb:
        return va, "same" if va == vb else "a"
    if empty_a:
        return vb, "b"
    if column == "cadence_days":
        return min(va, vb), "shorter" if vb != va else "same"
    if column == "birthday":
        full = {v for v in (va, vb) if not v.startswith("--")}
        partial = {v for v in (va, vb) if v.startswith("--")}
        if len(full) == 1 and len(partial) == 1 and next(iter(full))[4:] == next(iter(partial))[1:]:
            return next(iter(full)), "full date"
    if isinstance(va, str) and isinstance(vb, str) and validate.key(va) == validate.key(vb):
        return va, "a"
    return va, "conflict"


def _list_rule(a: Any, b: Any, result: Any) -> str:
    if not b or result == a:
        return "a" if a != b else "same"
    if not a:
        return "b"
    return "union"


def _notes(a: Row, b: Row, noted: list[str]) -> str | None:
    parts = [a["notes"]] if a["notes"] else []
    if b["notes"] and not (a["notes"] and b["notes"].strip() in a["notes"]):
        parts.append(b["notes"])
    if noted:
        day = clock.now().date().isoformat()
        parts.append(f"Merged from #{b['id']} on {day}: " + "; ".join(noted))
    return "\n\n".join(parts) if parts else None


def _apply(store: Store, work: _Work) -> None:
    a_id, b_id = work.a["id"], work.b["id"]
    stamp = clock.utc_stamp()
    for table, row_id, position in work.move_children:
        changes: dict[str, Any] = {"contact_id": a_id}
        if table != "contact_tags":
            changes["position"] = position
        store.update(table, row_id, changes)
    for table, row_id in work.drop_children:
        store.delete(table, row_id)
    for table, row_id, label in work.relabel:
        store.update(table, row_id, {"label": label})
    for link_id in work.move_links:
        store.update("interaction_contacts", link_id, {"contact_id": a_id})
    for link_id in work.drop_links:
        store.delete("interaction_contacts", link_id)
    for fid in work.followups:
        store.update("followups", fid, {"contact_id": a_id, "updated_at": stamp})
    for did in work.deals:
        store.update("deals", did, {"contact_id": a_id, "updated_at": stamp})
    for row_id, pair in work.ignores:
        if pair is None:
            store.delete("dupe_ignores", row_id)
        else:
            store.update(
                "dupe_ignores", row_id, {"contact_a_uid": pair[0], "contact_b_uid": pair[1]}
            )
    store.delete("contacts", b_id)
    store.update("contacts", a_id, {**work.columns, "updated_at": stamp})
    interactions.touch_contact(store, a_id)
