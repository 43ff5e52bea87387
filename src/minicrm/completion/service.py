"""What the shell offers on Tab: contacts, tags, stages, companies, follow-ups, deals,
interactions, kinds and the date language's words, each a (value, description) pair,
found by a prefix query with a limit (minicrm.completion.queries)."""

from __future__ import annotations

from collections.abc import Iterable

from minicrm.completion import queries
from minicrm.core import validate
from minicrm.db.store import Store

LIMIT = 30
Candidate = tuple[str, str]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DATE_WORDS: tuple[Candidate, ...] = (
    ("today", "today"),
    ("tomorrow", "the day after today"),
    ("yesterday", "the day before today"),
    ("now", "this moment"),
    ("eod", "end of today"),
    ("eow", "end of this week"),
    ("eom", "end of this month"),
    ("eoy", "end of this year"),
    *((day, f"the next {day.capitalize()}") for day in _WEEKDAYS),
    *((f"next {day}", f"{day.capitalize()} of next week") for day in _WEEKDAYS),
    *((f"last {day}", f"the {day.capitalize()} before today") for day in _WEEKDAYS),
    ("next week", "a week from today"),
    ("next month", "a month from today"),
    ("+1d", "in one day (+Nd, +Nw, +Nm, +Ny)"),
    ("+3d", "in three days"),
    ("+1w", "in a week"),
    ("+2w", "in two weeks"),
    ("+1m", "in a month"),
    ("+3m", "in three months"),
    ("-1w", "a week ago"),
    ("in 2 weeks", "in two weeks"),
    ("2 days ago", "two days ago"),
    *((f"{month} 1", f"the first of {month.capitalize()}") for month in _MONTHS),
)
TIME_WORDS: tuple[Candidate, ...] = (
    ("9am", "nine in the morning"),
    ("noon", "12:00"),
    ("14:30", "HH:MM, 24 hours"),
    ("5pm", "five in the afternoon"),
    ("midnight", "00:00"),
)
REPEAT_WORDS: tuple[Candidate, ...] = (
    ("week", "every week"),
    ("2w", "every two weeks"),
    ("month", "every month"),
    ("3m", "every three months"),
    ("year", "every year"),
    ("weekday", "Monday to Friday"),
    ("mon,thu", "on these weekdays"),
    ("RRULE:", "an iCalendar rule"),
)


def words(candidates: Iterable[Candidate], incomplete: str) -> list[Candidate]:
    """The fixed words starting with what was typed (case-insensitive)."""
    typed = incomplete.casefold()
    return [c for c in candidates if c[0].casefold().startswith(typed)]


def contacts(store: Store, incomplete: str, limit: int = LIMIT) -> list[Candidate]:
    """Contacts for what was typed: ``#12``/``12`` by id, ``ja``/``doe`` by a word of the
    name, ``jane@`` by email. The value is what resolves to that one contact: its name,
    or ``#id`` where names repeat; the description shows the id and email."""
    typed = incomplete.strip()
    bare = typed.lstrip("#")
    if bare.isdigit() or typed == "#":
        hash_ = "#" if typed.startswith("#") else ""
        return [
            (f"{hash_}{r['id']}", _label(r["name"], r["email"]))
            for r in queries.contacts_by_id(store, bare, limit)
        ]
    if "@" in typed:
        return [
            (r["email"], f"#{r['id']} {r['name']}")
            for r in queries.contacts_by_email(store, validate.email_key(typed), limit)
        ]
    key = validate.key(typed) if typed else ""
    rows = {r["id"]: r for r in queries.contacts_by_name(store, key, limit)}
    if len(rows) < limit and key and " " not in key:
        for r in queries.contacts_by_word(store, key, limit):
            rows.setdefault(r["id"], r)
    names = [validate.key(r["name"]) for r in rows.values()]
    out = []
    for r in list(rows.values())[:limit]:
        unique = names.count(validate.key(r["name"])) == 1
        if unique:
            label = _label("", r["email"], r["id"], r["archived"])
        else:
            label = _label(r["name"], r["email"], None, r["archived"])
        out.append((r["name"] if unique else f"#{r['id']}", label))
    if len(out) < limit and key and " " not in key:
        seen = {r["id"] for r in rows.values()}
        for r in queries.contacts_by_email(store, key, limit - len(out)):
            if r["id"] not in seen:
                out.append((r["email"], f"#{r['id']} {r['name']}"))
    return out


def _label(name: str, email: str | None, cid: int | None = None, archived: int = 0) -> str:
    parts = [f"#{cid}" if cid is not None else "", name, email or ""]
    text = " ".join(p for p in parts if p)
    return f"{text} (archived)" if archived else text


def tags(store: Store, incomplete: str, limit: int = LIMIT) -> list[Candidate]:
    typed = incomplete.lstrip("#").casefold()
    return [
        (r["tag"], f"{r['n']} contact{'s' if r['n'] != 1 else ''}")
        for r in queries.tags(store, typed, limit)
    ]


def companies(store: Store, incomplete: str, limit: int = LIMIT) -> list[Candidate]:
    return [
        (r["name"], f"#{r['id']}, {r['n']} contact{'s' if r['n'] != 1 else ''}")
        for r in queries.companies(store, validate.company_key(incomplete), limit)
    ]


def followups(
    store: Store, incomplete: str, status: str | None = "open", limit: int = LIMIT
) -> list[Candidate]:
    """Follow-ups by id (open ones, soonest due first), described by title and contact."""
    hash_, bare = _id_typed(incomplete)
    if bare is None:
        return []
    return [
        (
            f"{hash_}{r['id']}",
            " · ".join(p for p in (r["title"], r["name"], r["due_date"]) if p),
        )
        for r in queries.followups(store, bare, status, limit)
    ]


def deals(
    store: Store, incomplete: str, open_only: bool = True, limit: int = LIMIT
) -> list[Candidate]:
    hash_, bare = _id_typed(incomplete)
    if bare is None:
        return []
    return [
        (f"{hash_}{r['id']}", " · ".join(p for p in (r["title"], r["stage"], r["name"]) if p))
        for r in queries.deals(store, bare, open_only, limit)
    ]


def interactions(store: Store, incomplete: str, limit: int = LIMIT) -> list[Candidate]:
    hash_, bare = _id_typed(incomplete)
    if bare is None:
        return []
    return [
        (
            f"{hash_}{r['id']}",
            f"{r['kind']} {(r['occurred_at'] or '')[:10]}: {' '.join((r['body'] or '').split())}",
        )
        for r in queries.interactions(store, bare, limit)
    ]


def _id_typed(incomplete: str) -> tuple[str, str | None]:
    typed = incomplete.strip()
    hash_ = "#" if typed.startswith("#") else ""
    bare = typed[len(hash_) :]
    return hash_, (bare if bare == "" or bare.isdigit() else None)
