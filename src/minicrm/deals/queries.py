"""Read queries over deals, their stage changes and what is linked to them. Dict rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minicrm.db.store import Row, Store

_DEAL_SELECT = """
SELECT d.*, c.uid AS contact_uid, c.display_name AS contact_name,
       co.uid AS company_uid, co.name AS company_name
FROM deals d
LEFT JOIN contacts c ON c.id = d.contact_id
LEFT JOIN companies co ON co.id = d.company_id
"""


def deal_row(store: Store, deal_id: int) -> Row | None:
    return store.query_one(_DEAL_SELECT + " WHERE d.id = ?", [deal_id])


def deal_rows(
    store: Store,
    *,
    stages: Sequence[str] | None = None,
    exclude_stages: Sequence[str] = (),
    contact_id: int | None = None,
    company_id: int | None = None,
    closing_before: str | None = None,  # inclusive, YYYY-MM-DD
) -> list[Row]:
    """Deals by close date (undated last), then id."""
    where: list[str] = []
    params: list[Any] = []
    if stages is not None:
        where.append(f"d.stage IN ({', '.join('?' for _ in stages)})")
        params += list(stages)
    if exclude_stages:
        where.append(f"d.stage NOT IN ({', '.join('?' for _ in exclude_stages)})")
        params += list(exclude_stages)
    if contact_id is not None:
        where.append("d.contact_id = ?")
        params.append(contact_id)
    if company_id is not None:
        where.append("d.company_id = ?")
        params.append(company_id)
    if closing_before is not None:
        where.append("d.close_date IS NOT NULL AND d.close_date <= ?")
        params.append(closing_before)
    sql = _DEAL_SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY d.close_date IS NULL, d.close_date, d.id"
    return store.query(sql, params)


def stage_changes(store: Store, deal_id: int) -> list[Row]:
    return store.query(
        "SELECT * FROM deal_stage_changes WHERE deal_id = ? ORDER BY changed_at, id", [deal_id]
    )


def stage_change_ids(store: Store, deal_id: int) -> list[int]:
    return [
        r["id"]
        for r in store.query("SELECT id FROM deal_stage_changes WHERE deal_id = ?", [deal_id])
    ]


def next_steps(store: Store, deal_ids: Sequence[int]) -> dict[int, int]:
    """deal id -> the id of its earliest-due open follow-up (deals without one are absent)."""
    result: dict[int, int] = {}
    ids = list(dict.fromkeys(deal_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in store.query(
            "SELECT deal_id, id FROM ("
            " SELECT deal_id, id, row_number() OVER ("
            "  PARTITION BY deal_id ORDER BY due_date, due_time IS NOT NULL, due_time, id) AS n"
            f" FROM followups WHERE status = 'open' AND deal_id IN ({marks})"
            ") WHERE n = 1",
            chunk,
        ):
            result[row["deal_id"]] = row["id"]
    return result


def followup_ids(store: Store, deal_id: int) -> list[int]:
    """The deal's follow-ups: open ones first, each group in due order."""
    return [
        r["id"]
        for r in store.query(
            "SELECT id FROM followups WHERE deal_id = ? "
            "ORDER BY status != 'open', due_date, due_time IS NOT NULL, due_time, id",
            [deal_id],
        )
    ]


def open_followup_ids(store: Store, deal_id: int) -> list[int]:
    """The deal's open follow-ups, in due order."""
    return [
        r["id"]
        for r in store.query(
            "SELECT id FROM followups WHERE deal_id = ? AND status = 'open' "
            "ORDER BY due_date, due_time IS NOT NULL, due_time, id",
            [deal_id],
        )
    ]


def interaction_rows(store: Store, deal_id: int) -> list[Row]:
    return store.query(
        "SELECT * FROM interactions WHERE deal_id = ? ORDER BY occurred_at DESC, id DESC",
        [deal_id],
    )


def deal_ids_of_contact(store: Store, contact_id: int) -> list[int]:
    return [r["id"] for r in store.query("SELECT id FROM deals WHERE contact_id = ?", [contact_id])]


def linked_followup_ids(store: Store, deal_id: int) -> list[int]:
    return [r["id"] for r in store.query("SELECT id FROM followups WHERE deal_id = ?", [deal_id])]


def linked_interaction_ids(store: Store, deal_id: int) -> list[int]:
    return [
        r["id"] for r in store.query("SELECT id FROM interactions WHERE deal_id = ?", [deal_id])
    ]


def contact_ids_with_deal(
    store: Store, *, stages: Sequence[str] | None = None, title_key: str | None = None
) -> set[int]:
    """Contacts with a deal in one of ``stages`` (None: any stage) whose title contains
    ``title_key`` (lower case; None: any title): the ``deal:`` term of ls and search."""
    where = ["contact_id IS NOT NULL"]
    params: list[Any] = []
    if stages is not None:
        where.append(f"stage IN ({', '.join('?' for _ in stages) or 'NULL'})")
        params += list(stages)
    if title_key is not None:
        where.append("instr(lower(title), ?) > 0")
        params.append(title_key)
    return {
        r["contact_id"]
        for r in store.query(
            f"SELECT DISTINCT contact_id FROM deals WHERE {' AND '.join(where)}", params
        )
    }


def deal_rows_of_company(store: Store, company_id: int) -> list[Row]:
    """The company's deals and its people's deals (the company page)."""
    return store.query(
        _DEAL_SELECT + " WHERE d.company_id = :company OR d.contact_id IN"
        " (SELECT id FROM contacts WHERE company_id = :company)"
        " ORDER BY d.close_date IS NULL, d.close_date, d.id",
        {"company": company_id},
    )
