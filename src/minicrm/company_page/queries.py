"""The company page's SQL."""

from __future__ import annotations

from minicrm.db.store import Row, Store


def people(store: Store, company_id: int) -> list[Row]:
    """The company's contacts (archived too), by name: id, uid, display_name, title,
    archived, last_contacted_at, email, phone and their open follow-ups' count."""
    return store.query(
        """
        SELECT c.id, c.uid, c.display_name, c.title, c.archived, c.last_contacted_at,
            (SELECT value FROM contact_emails WHERE contact_id = c.id
                ORDER BY position, id LIMIT 1) AS email,
            (SELECT value FROM contact_phones WHERE contact_id = c.id
                ORDER BY position, id LIMIT 1) AS phone,
            (SELECT count(*) FROM followups f WHERE f.contact_id = c.id
                AND f.status = 'open') AS open_followups
        FROM contacts c WHERE c.company_id = ? ORDER BY c.name_key, c.id
        """,
        [company_id],
    )


def email_domains(store: Store, company_id: int) -> list[tuple[str, int]]:
    """(domain, people with an email there) for the company's people, most people first."""
    rows = store.query(
        """
        SELECT lower(substr(e.value, instr(e.value, '@') + 1)) AS domain,
            count(DISTINCT e.contact_id) AS n
        FROM contact_emails e JOIN contacts c ON c.id = e.contact_id
        WHERE c.company_id = ? AND instr(e.value, '@') > 0
        GROUP BY 1 ORDER BY n DESC, domain
        """,
        [company_id],
    )
    return [(r["domain"], r["n"]) for r in rows]


def open_followup_ids(store: Store, company_id: int) -> list[int]:
    """The open follow-ups of the company's people and of its deals, in due order."""
    return [
        r["id"]
        for r in store.query(
            """
            SELECT f.id FROM followups f
            WHERE f.status = 'open' AND (
                f.contact_id IN (SELECT id FROM contacts WHERE company_id = :company)
                OR f.deal_id IN (SELECT id FROM deals WHERE company_id = :company))
            ORDER BY f.due_date, f.due_time IS NOT NULL, f.due_time,
                CASE f.priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END, f.id
            """,
            {"company": company_id},
        )
    ]
