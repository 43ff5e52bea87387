"""Three-way: each item's state on both sides against the last sync (:class:`ItemPlan`),
and the field-by-field merge of the two sides against it (:func:`merge`, the merge
driver of :mod:`minicrm.sync.core`'s API).

Items are compared by their ``fields``: a flat dict of JSON-like values (str, int, None,
lists). A list field is merged item by item (what each side added or removed), any
other field as a whole.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minicrm.sync import queries
from minicrm.sync.models import MIN_GUARDED, Item, Lost, MassDeletion, Settings

_MISSING = object()


def canonical_json(value: Any) -> str:
    """A value as JSON with sorted keys: equal values give equal text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _merge_list(base: list[Any], local: list[Any], remote: list[Any]) -> list[Any]:
    """Local's items less those remote removed, then remote's new ones, in order."""
    b = {canonical_json(x) for x in base}
    r = {canonical_json(x) for x in remote}
    loc = {canonical_json(x) for x in local}
    out = [x for x in local if canonical_json(x) in r or canonical_json(x) not in b]
    out += [x for x in remote if canonical_json(x) not in loc and canonical_json(x) not in b]
    return out


def merge(
    base: Mapping[str, Any] | None,
    local: Mapping[str, Any],
    remote: Mapping[str, Any],
    winner: str,
) -> tuple[dict[str, Any], list[Lost]]:
    """Three-way merge, field by field. A field one side changed takes that side's value;
    one both changed the same way is that value; a list both changed is merged by its
    items (base None: no common ancestor, nothing is removed); any other field both
    changed goes to ``winner`` and the other value is returned as lost."""
    merged: dict[str, Any] = {}
    lost: list[Lost] = []
    for name in dict.fromkeys([*local, *remote]):
        lv = local.get(name)
        rv = remote.get(name)
        bv = base.get(name) if base is not None else _MISSING
        if canonical_json(lv) == canonical_json(rv):
            value = lv
        elif base is not None and canonical_json(lv) == canonical_json(bv):
            value = rv
        elif base is not None and canonical_json(rv) == canonical_json(bv):
            value = lv
        elif (
            isinstance(lv, list)
            and isinstance(rv, list)
            and (bv is _MISSING or isinstance(bv, list) or bv is None)
        ):
            value = _merge_list(bv if isinstance(bv, list) else [], lv, rv)
        else:
            value, other = (lv, rv) if winner == "minicrm" else (rv, lv)
            if other not in (None, "", [], {}):
                lost.append(Lost(name, winner, value, other))
        if value is not None:
            merged[name] = value
    return merged, lost


def same_fields(a: Item | None, b: Mapping[str, Any] | None) -> bool:
    """Does item ``a`` hold exactly the fields ``b`` (neither missing)?"""
    return a is not None and b is not None and canonical_json(a.fields) == canonical_json(dict(b))


def differing_fields(a: Mapping[str, Any] | None, b: Mapping[str, Any]) -> list[str]:
    """The names of the fields whose values differ between ``a`` (None: none) and ``b``."""
    a = a or {}
    return [
        k for k in dict.fromkeys([*a, *b]) if canonical_json(a.get(k)) != canonical_json(b.get(k))
    ]


# -- the plan of an item ------------------------------------------------------------------

SAME = "same"
CHANGED = "changed"
GONE = "gone"


@dataclass
class ItemPlan:
    """One item of a sync: its state on each side against the last sync, and both sides."""

    href: str
    state: queries.StateRow
    remote: str  # SAME, CHANGED, GONE
    local: str
    remote_item: Item | None = None
    local_item: Item | None = None
    base: Item | None = None


def guard(
    plans: list[ItemPlan], total: int, settings: Settings, path: Path, kind_name: str
) -> None:
    """Refuse (:class:`MassDeletion`) a sync that would delete more than
    ``max_delete_percent`` of the ``total`` items of the last sync, unless forced."""
    deletions = sum(
        1
        for p in plans
        if (p.remote == GONE and p.local == SAME) or (p.local == GONE and p.remote == SAME)
    )
    limit = settings.max_delete_percent
    if deletions >= MIN_GUARDED and deletions * 100 > limit * total and not settings.force_delete:
        raise MassDeletion(
            f"refusing to sync {path}: it would delete {deletions} of the "
            f"{total} {kind_name} it had at the last sync (more than {limit}%); "
            "was the folder emptied by a failed pull? nothing was changed",
            hint="check the folder; if the deletions are meant, run again with --force-delete",
        )
