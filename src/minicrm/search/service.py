"""minicrm search: ranked full-text search over contacts, interactions, follow-ups and
deals (title, lost reason, stage), grouped by contact, with field terms (tag:vip,
company:acme, stage:lead, email:@acme.io, deal:open, deal:platform).

The query language: words (``pricing``), prefixes (``pric*``), phrases (``"next
quarter"``), ``AND`` / ``OR`` / ``NOT`` and parentheses, as SQLite FTS5 reads them;
field terms are filters on the contact and combine with the rest by AND. Accents and case
do not matter (``zoe`` finds Zoë).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from minicrm.contacts import queries as contacts_queries
from minicrm.core import validate
from minicrm.core.errors import InvalidInput
from minicrm.core.models import Ref
from minicrm.db.store import Store
from minicrm.search import queries

FIELDS = ("tag", "company", "stage", "email", "name", "phone", "deal")
OPERATORS = ("AND", "OR", "NOT")
_TOKEN = re.compile(
    r'\s*(?:(\()|(\))|([A-Za-z]+):("(?:[^"]*)"|[^\s()"]+)|("(?:[^"]*)")|([^\s()"]+))'
)
EXAMPLE = 'e.g. pricing, pric*, "next quarter", tag:vip AND pricing, zoe OR chen'


@dataclass(frozen=True)
class Hit:
    kind: str  # contact, interaction, followup, deal
    id: int
    text: str  # the snippet, plain
    highlights: tuple[tuple[int, int], ...]  # [start, end) of each matched part of text

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "snippet": self.text,
            "highlights": [list(h) for h in self.highlights],
        }


@dataclass
class Result:
    contact: Ref | None  # None: a follow-up without a contact
    hits: list[Hit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "contact": self.contact.to_dict() if self.contact else None,
            "hits": [h.to_dict() for h in self.hits],
        }


@dataclass
class Query:
    fts: str | None  # the FTS5 expression, or None when only field terms were given
    filters: list[tuple[str, str]]  # (field, value)


def parse(text: str) -> Query:
    """Split a query into its full-text part and its field terms; refuse what FTS5 would."""
    cleaned = validate.text(text, "search query", max_len=1_000)
    if cleaned is None:
        raise InvalidInput("the search query is empty", hint=EXAMPLE)
    parts: list[str] = []
    filters: list[tuple[str, str]] = []
    depth = 0
    position = 0
    previous = "start"
    while position < len(cleaned):
        match = _TOKEN.match(cleaned, position)
        if match is None or match.end() == position:
            rest = cleaned[position:].strip()
            if not rest:
                break
            raise InvalidInput(f"cannot read the search query at {rest[:20]!r}", hint=EXAMPLE)
        position = match.end()
        opening, closing, fname, fvalue, phrase, word = match.groups()
        if fname is not None:
            name = fname.lower()
            if name not in FIELDS:
                raise InvalidInput(
                    f"unknown search field {fname!r}", hint=f"fields: {', '.join(FIELDS)}"
                )
            if previous in ("OR", "NOT") or depth:
                raise InvalidInput(
                    f"{name}: terms are filters and combine with AND only, outside parentheses",
                    hint="e.g. tag:vip AND (pricing OR discount)",
                )
            value = fvalue.strip('"').strip()
            if not value:
                raise InvalidInput(f"{name}: needs a value", hint=f"e.g. {name}:vip")
            filters.append((name, value))
            if parts and parts[-1] == "AND":
                parts.pop()
            previous = "field"
            continue
        if opening:
            depth += 1
            parts.append("(")
            previous = "("
        elif closing:
            depth -= 1
            if depth < 0 or previous in ("(", "AND", "OR", "NOT"):
                raise InvalidInput(
                    "unbalanced or empty parentheses in the search query", hint=EXAMPLE
                )
            parts.append(")")
            previous = ")"
        elif phrase is not None:
            inner = phrase[1:-1].replace('"', "").strip()
            if not inner:
                raise InvalidInput("an empty phrase in the search query", hint=EXAMPLE)
            parts.append(f'"{inner}"')
            previous = "term"
        else:
            if word in OPERATORS:  # upper case only, as in FTS5: "and" is a word
                if previous == "field" and word == "AND":
                    continue
                if previous in ("start", "(", "AND", "OR", "NOT"):
                    raise InvalidInput(f"{word} needs a term before it", hint=EXAMPLE)
                parts.append(word)
                previous = word
            else:
                if word.endswith(":") and word[:-1].lower() in FIELDS:
                    raise InvalidInput(f"{word} needs a value", hint=f"e.g. {word}vip")
                prefix = word.endswith("*")
                body = word.rstrip("*").replace('"', "")
                if not body:
                    raise InvalidInput("a lone * in the search query", hint=EXAMPLE)
                parts.append(f'"{body}"' + ("*" if prefix else ""))
                previous = "term"
    if depth != 0:
        raise InvalidInput("unbalanced parentheses in the search query", hint=EXAMPLE)
    while parts and parts[-1] in OPERATORS:
        raise InvalidInput(f"the search query ends with {parts[-1]}", hint=EXAMPLE)
    while parts and parts[0] == "AND":
        parts.pop(0)
    fts = " ".join(parts) or None
    if fts is None and not filters:
        raise InvalidInput("the search query has nothing to look for", hint=EXAMPLE)
    return Query(fts=fts, filters=filters)


def _filter_ids(store: Store, filters: list[tuple[str, str]]) -> set[int] | None:
    """The contacts every ``name:value`` filter matches (None: no filter)."""
    if not filters:
        return None
    keys: list[tuple[str, str]] = []
    with_deal: set[int] | None = None
    for name, value in filters:
        if name == "deal":
            from minicrm.deals import service as deals  # lazy: start-up

            found = deals.contacts_with_deal(store, value)
            with_deal = found if with_deal is None else with_deal & found
            continue
        if name == "tag":
            keys.append((name, validate.tag(value)))
        elif name == "company":
            keys.append((name, validate.company_key(value)))
        elif name == "stage":  # checked against the configured stages, as ls does
            from minicrm.contacts.reading import checked_stage  # lazy: start-up

            keys.append((name, checked_stage(value)))
        elif name == "email":
            keys.append((name, validate.email_key(value)))
        elif name == "phone":
            keys.append((name, re.sub(r"\D", "", value) or value))
        elif name == "name":
            keys.append((name, validate.key(value)))
    if with_deal is not None:
        keys.append(("ids", json.dumps(sorted(with_deal))))
    return queries.contact_ids_matching(store, keys)


def _snippet(raw: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    text, marks, start = [], [], None
    length = 0
    for ch in raw:
        if ch == queries.START:
            start = length
        elif ch == queries.END and start is not None:
            marks.append((start, length))
            start = None
        else:
            text.append(ch)
            length += 1
    return "".join(text), tuple(marks)


def search(store: Store, query: str, *, limit: int = 20, hits_per_contact: int = 3) -> list[Result]:
    """Contacts (and contact-less follow-ups) matching ``query``, best first."""
    if not 1 <= limit <= 10_000:
        raise InvalidInput(f"--limit {limit} is out of range", hint="1 to 10000")
    parsed = parse(query)
    with store.snapshot():
        allowed = _filter_ids(store, parsed.filters)
        if parsed.fts is None:
            assert allowed is not None
            rows = contacts_queries.contact_rows(
                store,
                contacts_queries.ContactFilter(ids=sorted(allowed), archived=None, limit=limit),
            )
            return [Result(Ref(r["id"], r["uid"], r["display_name"])) for r in rows]
        results: dict[int | None, Result] = {}
        order: list[int | None] = []
        for row in queries.hits(store, parsed.fts):
            owners = _owners(store, row)
            text, marks = _snippet(row["snippet"] or "")
            hit = Hit(row["kind"], row["item_id"], text, marks)
            for owner in owners:
                if allowed is not None and owner not in allowed:
                    continue
                if owner not in results:
                    if len(order) >= limit:
                        continue
                    results[owner] = Result(
                        Ref(owner, *names_uid(store, owner)) if owner is not None else None
                    )
                    order.append(owner)
                if len(results[owner].hits) < hits_per_contact:
                    results[owner].hits.append(hit)
            if len(order) >= limit:
                break
        return [results[o] for o in order]


def _owners(store: Store, row: dict[str, Any]) -> list[int | None]:
    if row["kind"] == "contact":
        return [row["item_id"]]
    if row["kind"] == "interaction":
        return list(queries.interaction_contacts(store, row["item_id"]))
    return [row["contact_id"]]


def names_uid(store: Store, contact_id: int) -> tuple[str, str]:
    """(uid, name) of a contact, for a result line."""
    row = store.get("contacts", contact_id)
    assert row is not None
    return row["uid"], row["display_name"]
