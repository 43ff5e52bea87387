"""Read queries over contacts and companies. Plain SQL, returning dict rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from minicrm.db.store import Row, Store

# A contact's next due open follow-up, YYYY-MM-DD or YYYY-MM-DDTHH:MM (all day first on a
# day), through idx_followups_contact; written without commas, as CONTACT_SORTS' parts are
# split on them.
NEXT_DUE_SQL = (
    "(SELECT min(f.due_date || CASE WHEN f.due_time IS NULL THEN '' ELSE 'T' || f.due_time END)"
    " FROM followups f WHERE f.contact_id = c.id AND f.status = 'open')"
)

CONTACT_SORTS = {
    "name": "c.name_key, c.id",
    "id": "c.id",
    "created": "c.created_at, c.id",
    "updated": "c.updated_at, c.id",
    "company": "co.name_key IS NULL, co.name_key, c.name_key, c.id",
    "stage": "c.stage IS NULL, c.stage, c.name_key, c.id",
    # longest without contact first (never contacted before anyone)
    "last-contacted": "c.last_contacted_at IS NOT NULL, c.last_contacted_at, c.id",
    # soonest due first; contacts with nothing open last
    "next-due": f"{NEXT_DUE_SQL} IS NULL, {NEXT_DUE_SQL}, c.name_key, c.id",
}

_CONTACT_SELECT = """
SELECT c.*, co.uid AS company_uid, co.name AS company_name
FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
"""


@dataclass
class ContactFilter:
    tags: Sequence[str] = ()
    company_id: int | None = None
    stage: str | None = None
    archived: bool | None = False  # None: both
    text_key: str | None = None  # matches name or email, already key()-normalised
    email_key: str | None = None  # part of an email, casefolded
    ids: Sequence[int] | None = None
    exclude_ids: Sequence[int] = ()
    sort: str = "name"
    reverse: bool = False
    limit: int | None = None
    offset: int = 0


def first_value_sql(table: str, contact_id: str) -> str:
    """A correlated subquery for the first (primary) value of a contact child table, e.g.
    ``first_value_sql("contact_emails", "c.id")``: answered from the covering index
    ``idx_<table>_first`` (contact_id, position, id, value) alone."""
    return (
        f"(SELECT value FROM {table} WHERE contact_id = {contact_id} ORDER BY position, id LIMIT 1)"
    )


# One line per contact for a listing: the first email and phone and the tags come from
# correlated subqueries, so a listing of 20,000 contacts is one query, not one per table.
_LINE_SELECT = f"""
SELECT c.id, c.display_name, c.archived, c.stage, co.name AS company_name, c.title,
    c.last_contacted_at, {{next_due}} AS next_due,
    {first_value_sql("contact_emails", "c.id")} AS email,
    {first_value_sql("contact_phones", "c.id")} AS phone,
    (SELECT group_concat(tag, char(31)) FROM
        (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag)) AS tags
FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
"""


def contact_rows(
    store: Store,
    flt: ContactFilter,
    *,
    lines: bool = False,
    stream: bool = False,
    next_due: bool = False,
) -> Iterable[Row]:
    """Contacts matching ``flt``: whole rows, or with ``lines`` the columns of a listing
    (id, display_name, archived, stage, company_name, title, last_contacted_at, next_due,
    email, phone, tags joined by \\x1f; next_due is read only with ``next_due``, else
    null); with ``stream`` an iterator that reads them as they are used, else a list."""
    sql, params = _contact_sql(flt, lines, next_due)
    return store.iter_query(sql, params) if stream else store.query(sql, params)


def contact_row_batches(store: Store, flt: ContactFilter, size: int = 1_000) -> Iterator[list[Row]]:
    """The whole rows :func:`contact_rows` gives, ``size`` at a time, from one cursor (an
    export of 100,000 contacts never holds them all)."""
    yield from store.batches(*_contact_sql(flt, False), size=size)


def _contact_sql(flt: ContactFilter, lines: bool, next_due: bool = False) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if flt.archived is not None:
        where.append("c.archived = ?")
        params.append(1 if flt.archived else 0)
    if flt.company_id is not None:
        where.append("c.company_id = ?")
        params.append(flt.company_id)
    if flt.stage is not None:
        where.append("c.stage = ?")
        params.append(flt.stage)
    for tag in flt.tags:
        where.append("c.id IN (SELECT contact_id FROM contact_tags WHERE tag = ?)")
        params.append(tag)
    if flt.text_key:
        where.append(
            "(instr(c.name_key, ?) > 0 OR c.id IN "
            "(SELECT contact_id FROM contact_emails WHERE instr(value_key, ?) > 0))"
        )
        params += [flt.text_key, flt.text_key]
    if flt.exclude_ids:
        where.append(f"c.id NOT IN ({', '.join('?' for _ in flt.exclude_ids)})")
        params += list(flt.exclude_ids)
    if flt.email_key:
        where.append(
            "c.id IN (SELECT contact_id FROM contact_emails WHERE instr(value_key, ?) > 0)"
        )
        params.append(flt.email_key)
    if flt.ids is not None:
        where.append(f"c.id IN ({', '.join('?' for _ in flt.ids) or 'NULL'})")
        params += list(flt.ids)
    order = CONTACT_SORTS[flt.sort]
    if flt.reverse:
        order = ", ".join(f"{part} DESC" for part in order.split(", "))
    if lines:
        sql = _LINE_SELECT.replace("{next_due}", NEXT_DUE_SQL if next_due else "NULL")
    else:
        sql = _CONTACT_SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order}"
    if flt.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [flt.limit, flt.offset]
    return sql, params


def contact_row(store: Store, contact_id: int) -> Row | None:
    return store.query_one(_CONTACT_SELECT + " WHERE c.id = ?", [contact_id])


def contact_children(store: Store, table: str, contact_ids: Sequence[int]) -> dict[int, list[Row]]:
    """Rows of a contact child table for several contacts, in their stored order."""
    result: dict[int, list[Row]] = {cid: [] for cid in contact_ids}
    if not contact_ids:
        return result
    order = "tag" if table == "contact_tags" else "position, id"
    for chunk_start in range(0, len(contact_ids), 500):
        chunk = list(contact_ids[chunk_start : chunk_start + 500])
        marks = ", ".join("?" for _ in chunk)
        for row in store.query(
            f'SELECT * FROM "{table}" WHERE contact_id IN ({marks}) ORDER BY contact_id, {order}',
            chunk,
        ):
            result[row["contact_id"]].append(row)
    return result


def first_values(store: Store, table: str, contact_ids: Sequence[int]) -> dict[int, str]:
    """The first value (by position) of a contact child table for each contact that has one."""
    import json

    result: dict[int, str] = {}
    for row in store.query(
        f'SELECT contact_id, value FROM "{table}"'
        " WHERE contact_id IN (SELECT value FROM json_each(?))"
        " ORDER BY contact_id, position DESC, id DESC",
        [json.dumps(list(contact_ids))],
    ):
        result[row["contact_id"]] = row["value"]  # the last row of a contact is its first
    return result


def contact_ids_by_email(store: Store, email_key: str) -> list[int]:
    return [
        r["contact_id"]
        for r in store.query(
            "SELECT DISTINCT contact_id FROM contact_emails WHERE value_key = ? ORDER BY contact_id",
            [email_key],
        )
    ]


# A contact as a candidate for a reference: enough to tell two namesakes apart.
_CANDIDATE_SELECT = f"""
SELECT c.id, c.display_name, c.name_key, c.archived, co.name AS company_name,
    {first_value_sql("contact_emails", "c.id")} AS email
FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
"""
# A word of the name starts with the fragment: the name itself, or after a space or a
# hyphen ("ana" in "Ana Souza" and "Mary-Ana", not in "Dana" or "Tanaka").
_WORD_START = (
    "(instr(c.name_key, :k) = 1 OR instr(c.name_key, :space_k) > 0 "
    "OR instr(c.name_key, :hyphen_k) > 0)"
)


def contacts_by_name(store: Store, name_key: str, limit: int = 50) -> tuple[list[Row], list[Row]]:
    """(exact name matches, fragment matches) on the normalised name, best first: the
    fragment matches are the names with a word starting with it when there are any, else
    the names containing it; only asked for when no name is exact. Each row has id,
    display_name, archived, company_name and email (the first), to tell candidates apart.

    The exact match uses the name index. A fragment is one walk of the index in name
    order that stops at ``limit`` names containing it; fewer is all of them, ranked here.
    Only a fragment that many names contain needs a second walk, for the word starts."""
    exact = store.query(_CANDIDATE_SELECT + " WHERE c.name_key = :k ORDER BY c.id", {"k": name_key})
    if exact:
        return exact, []
    params = {"k": name_key, "space_k": " " + name_key, "hyphen_k": "-" + name_key, "n": limit}
    found = store.query(
        f"{_CANDIDATE_SELECT} WHERE instr(c.name_key, :k) > 0 ORDER BY c.name_key, c.id LIMIT :n",
        params,
    )
    if len(found) < limit:
        words = [r for r in found if _starts_a_word(r["name_key"], name_key)]
        return [], words or found
    words = store.query(
        f"{_CANDIDATE_SELECT} WHERE instr(c.name_key, :k) > 0 AND {_WORD_START} "
        "ORDER BY c.name_key, c.id LIMIT :n",
        params,
    )
    return [], words or found


def _starts_a_word(name_key: str, fragment: str) -> bool:
    return name_key.startswith(fragment) or f" {fragment}" in name_key or f"-{fragment}" in name_key


def company_rows(store: Store, ids: Sequence[int] | None = None) -> list[Row]:
    sql = (
        "SELECT co.*, (SELECT count(*) FROM contacts c WHERE c.company_id = co.id) "
        "AS contact_count FROM companies co"
    )
    params: list[Any] = []
    if ids is not None:
        sql += f" WHERE co.id IN ({', '.join('?' for _ in ids) or 'NULL'})"
        params = list(ids)
    return store.query(sql + " ORDER BY co.name_key", params)


def company_by_key(store: Store, name_key: str) -> Row | None:
    return store.query_one("SELECT * FROM companies WHERE name_key = ?", [name_key])


def companies_by_fragment(store: Store, fragment_key: str, limit: int = 50) -> list[Row]:
    return store.query(
        "SELECT id, name FROM companies WHERE instr(name_key, ?) > 0 ORDER BY name_key LIMIT ?",
        [fragment_key, limit],
    )


def company_deal_ids(store: Store, company_id: int) -> list[int]:
    return [r["id"] for r in store.query("SELECT id FROM deals WHERE company_id = ?", [company_id])]


def company_contact_ids(store: Store, company_id: int) -> list[int]:
    return [
        r["id"]
        for r in store.query(
            "SELECT id FROM contacts WHERE company_id = ? ORDER BY id", [company_id]
        )
    ]


def contacts_sharing_email(store: Store, email_key: str, exclude_id: int | None) -> list[Row]:
    return store.query(
        "SELECT DISTINCT c.id, c.display_name FROM contact_emails e JOIN contacts c "
        "ON c.id = e.contact_id WHERE e.value_key = ? AND c.id IS NOT ? ORDER BY c.id",
        [email_key, exclude_id],
    )


def contact_dependents(store: Store, contact_id: int) -> Row:
    """What deleting a contact takes with it or leaves: ``own`` interactions (no one else
    took part), ``shared`` ones (kept for the others), ``followups``, ``deals``."""
    others = (
        "EXISTS (SELECT 1 FROM interaction_contacts o "
        "WHERE o.interaction_id = ic.interaction_id AND o.contact_id != ic.contact_id)"
    )
    row = store.query_one(
        f"SELECT (SELECT count(*) FROM interaction_contacts ic WHERE ic.contact_id = :c "
        f"AND NOT {others}) AS own, "
        f"(SELECT count(*) FROM interaction_contacts ic WHERE ic.contact_id = :c AND {others}) "
        "AS shared, (SELECT count(*) FROM followups WHERE contact_id = :c) AS followups, "
        "(SELECT count(*) FROM deals WHERE contact_id = :c) AS deals",
        {"c": contact_id},
    )
    assert row is not None
    return row


def contacts_with_name_key(store: Store, name_key: str, exclude_id: int, limit: int) -> list[Row]:
    """(id, display_name, company_id, company_name) of the contacts with this exact name
    key but ``exclude_id``, by id (the name index)."""
    return store.query(
        "SELECT c.id, c.display_name, c.company_id, co.name AS company_name FROM contacts c "
        "LEFT JOIN companies co ON co.id = c.company_id "
        "WHERE c.name_key = ? AND c.id != ? ORDER BY c.id LIMIT ?",
        [name_key, exclude_id, limit],
    )


def tag_counts(store: Store) -> list[Row]:
    """Every tag with how many contacts have it and how many of those are archived, the
    most used first (the tag index)."""
    return store.query(
        "SELECT t.tag, count(*) AS contacts, coalesce(sum(c.archived), 0) AS archived "
        "FROM contact_tags t JOIN contacts c ON c.id = t.contact_id "
        "GROUP BY t.tag ORDER BY contacts DESC, t.tag"
    )


# Mail services whose domain says nothing about an employer.
FREE_MAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "ymail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "t-online.de",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "126.com",
        "fastmail.com",
        "fastmail.fm",
        "hey.com",
        "zoho.com",
        "mail.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "btinternet.com",
        "comcast.net",
    ]
)


def companies_by_email_domain(store: Store, domain: str) -> list[Row]:
    """Companies whose people have emails at ``domain``, most such people first."""
    params: list[Any] = ["%@" + domain.lower()]
    return store.query(
        """
        SELECT co.id, co.name, count(DISTINCT c.id) AS n
        FROM contact_emails e JOIN contacts c ON c.id = e.contact_id
        JOIN companies co ON co.id = c.company_id
        WHERE e.value_key LIKE ? GROUP BY co.id ORDER BY n DESC, co.name_key
        """,
        params,
    )


def companies_by_domain(store: Store, domain: str) -> list[Row]:
    """Companies whose stored domain is ``domain`` (lower case)."""
    return store.query(
        "SELECT id, name FROM companies WHERE domain = ? ORDER BY name_key", [domain]
    )
