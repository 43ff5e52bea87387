"""The activity feed's SQL: what happened between two UTC stamps, from five tables, as one
time-ordered stream of plain rows."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from minicrm.db.store import Store

# Each part gives: source, id, at (UTC stamp), kind, text, contact_id, deal_id, detail,
# amount_minor, currency, seq (the order of events of one second: the row's id). {who} is the condition on the contact(s) (or "1").
_PARTS = {
    "interaction": """
        SELECT 'interaction' AS source, i.id, i.occurred_at AS at, i.kind, i.body AS text,
            NULL AS contact_id, i.deal_id, NULL AS detail, NULL AS amount_minor,
            NULL AS currency, i.id AS seq
        FROM interactions i
        WHERE i.occurred_at >= :start AND i.occurred_at < :end AND i.kind IN ({kinds})
          AND ({who_interaction})
    """,
    "done": """
        SELECT 'followup', f.id, f.completed_at, 'done', f.title, f.contact_id, f.deal_id,
            f.due_date, NULL, NULL, f.id
        FROM followups f
        WHERE f.status = 'done' AND f.completed_at >= :start AND f.completed_at < :end
          AND ({who_followup})
    """,
    "cancelled": """
        SELECT 'followup', f.id, f.cancelled_at, 'cancelled', f.title, f.contact_id,
            f.deal_id, f.due_date, NULL, NULL, f.id
        FROM followups f
        WHERE f.status = 'cancelled' AND f.cancelled_at >= :start AND f.cancelled_at < :end
          AND ({who_followup})
    """,
    "promised": """
        SELECT 'followup', f.id, f.created_at, 'promised', f.title, f.contact_id, f.deal_id,
            f.due_date, NULL, NULL, f.id
        FROM followups f
        WHERE f.occurrence = 1 AND f.created_at >= :start AND f.created_at < :end
          AND ({who_followup})
    """,
    "deal": """
        SELECT 'deal' AS source, d.id, sc.changed_at AS at,
            CASE WHEN sc.from_stage IS NULL THEN 'deal' WHEN sc.to_stage = 'won' THEN 'won'
                 WHEN sc.to_stage = 'lost' THEN 'lost' ELSE 'moved' END AS kind,
            d.title, d.contact_id, d.id,
            coalesce(sc.from_stage, '') || '>' || sc.to_stage ||
                CASE WHEN sc.to_stage = 'lost' AND d.lost_reason IS NOT NULL
                     THEN '>' || d.lost_reason ELSE '' END,
            d.amount_minor, d.currency, sc.id
        FROM deal_stage_changes sc JOIN deals d ON d.id = sc.deal_id
        WHERE sc.changed_at >= :start AND sc.changed_at < :end AND ({who_deal})
    """,
    "added": """
        SELECT 'contact', c.id, c.created_at, 'added', c.display_name, c.id, NULL, NULL,
            NULL, NULL, c.id
        FROM contacts c
        WHERE c.created_at >= :start AND c.created_at < :end AND ({who_contact})
    """,
}
DEAL_KINDS = ("deal", "moved", "won", "lost")


def events(
    store: Store,
    *,
    start: str,
    end: str,
    kinds: Sequence[str],
    interaction_kinds: Sequence[str],
    contact_ids: Sequence[int] | None = None,
    tags: Sequence[str] = (),
    company_id: int | None = None,
    limit: int | None = None,
) -> Iterator[tuple[Any, ...]]:
    """The events between ``start`` (inclusive) and ``end`` (exclusive), newest first, as
    tuples (source, id, at, kind, text, contact_id, deal_id, detail, amount_minor,
    currency). ``kinds`` are the feed's kinds (interaction kinds count as
    "interaction"); ``contact_ids`` and ``tags`` keep the events of those contacts
    (all the tags), ``company_id`` those of the company's people and its deals."""
    params: dict[str, Any] = {"start": start, "end": end}
    people: list[str] = []
    if contact_ids is not None:
        people.append("SELECT value FROM json_each(:ids)")
        params["ids"] = json.dumps(list(contact_ids))
    for n, tag in enumerate(tags):
        people.append(f"SELECT contact_id FROM contact_tags WHERE tag = :tag{n}")
        params[f"tag{n}"] = tag
    if company_id is not None:
        people.append("SELECT id FROM contacts WHERE company_id = :company")
        params["company"] = company_id
    who = " INTERSECT ".join(people)
    if who:
        cond = {
            "who_interaction": "i.id IN (SELECT interaction_id FROM interaction_contacts"
            f" WHERE contact_id IN ({who}))",
            "who_followup": f"f.contact_id IN ({who})",
            "who_deal": f"d.contact_id IN ({who})",
            "who_contact": f"c.id IN ({who})",
        }
        if company_id is not None and contact_ids is None and not tags:
            cond["who_deal"] += " OR d.company_id = :company"
            cond["who_interaction"] += (
                " OR i.deal_id IN (SELECT id FROM deals WHERE company_id = :company)"
            )
    else:
        cond = dict.fromkeys(("who_interaction", "who_followup", "who_deal", "who_contact"), "1")
    parts = []
    if interaction_kinds:
        names = []
        for n, kind in enumerate(interaction_kinds):
            params[f"kind{n}"] = kind
            names.append(f":kind{n}")
        parts.append(_PARTS["interaction"].format(kinds=", ".join(names), **cond))
    for kind in ("done", "cancelled", "promised", "added"):
        if kind in kinds:
            parts.append(_PARTS[kind].format(**cond))
    deal_kinds = [k for k in DEAL_KINDS if k in kinds]
    if deal_kinds:
        part = _PARTS["deal"].format(**cond)
        if len(deal_kinds) < len(DEAL_KINDS):
            part = (
                f"SELECT * FROM ({part}) WHERE kind IN ({', '.join(repr(k) for k in deal_kinds)})"
            )
        parts.append(part)
    if not parts:
        return iter(())
    sql = "SELECT * FROM (" + " UNION ALL ".join(parts) + ") ORDER BY 3 DESC, 1, 11 DESC, 4"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return (row for batch in store.batches(sql, params, size=500, tuples=True) for row in batch)


def participants(
    store: Store, interaction_ids: Sequence[int]
) -> dict[int, list[tuple[int, str, str]]]:
    """interaction id -> [(contact id, uid, name)] in the order they were added."""
    result: dict[int, list[tuple[int, str, str]]] = {}
    for batch in store.batches(
        "SELECT ic.interaction_id, c.id, c.uid, c.display_name FROM interaction_contacts ic"
        " JOIN contacts c ON c.id = ic.contact_id"
        " WHERE ic.interaction_id IN (SELECT value FROM json_each(?)) ORDER BY ic.id",
        [json.dumps(list(interaction_ids))],
        tuples=True,
    ):
        for iid, cid, uid, name in batch:
            result.setdefault(iid, []).append((cid, uid, name))
    return result


def contact_refs(store: Store, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """contact id -> (uid, name)."""
    result: dict[int, tuple[str, str]] = {}
    for batch in store.batches(
        "SELECT id, uid, display_name FROM contacts WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(ids))],
        tuples=True,
    ):
        for cid, uid, name in batch:
            result[cid] = (uid, name)
    return result


def deal_refs(store: Store, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """deal id -> (uid, title)."""
    result: dict[int, tuple[str, str]] = {}
    for batch in store.batches(
        "SELECT id, uid, title FROM deals WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(ids))],
        tuples=True,
    ):
        for did, uid, title in batch:
            result[did] = (uid, title)
    return result


def tag_exists(store: Store, tag: str) -> bool:
    return bool(
        list(store.batches("SELECT 1 FROM contact_tags WHERE tag = ? LIMIT 1", [tag], tuples=True))
    )
