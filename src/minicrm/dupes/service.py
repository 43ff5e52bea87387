"""Likely duplicate contacts: finding pairs, scoring them, remembering "not a duplicate".

Pairs are found by blocking, never by comparing every contact with every other (100,000
contacts would be 5·10^9 comparisons): SQL lists the contacts that share an email key or
a phone key, and the contacts of each company; only pairs inside one of those blocks are
looked at. Inside a company, names are compared only between contacts whose names share
a word (so "Jon Smith" meets "John Smith", and "Lee Ann" meets "Ann Lee").

Each piece of evidence has a weight; a pair's score combines them as 1 - Π(1 - s), so
two independent signs count for more than either. Merging a pair is :mod:`minicrm.dupes.merging`.
"""

from __future__ import annotations

import difflib
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from minicrm.contacts import refs
from minicrm.core import clock
from minicrm.core.errors import InvalidInput
from minicrm.core.models import Ref
from minicrm.db.store import Row, Store
from minicrm.dupes import queries

EMAIL_SCORE = 0.9
PHONE_SCORE = 0.7
SAME_NAME_COMPANY_SCORE = 0.7
SIMILAR_NAME_COMPANY_SCORE = 0.6
SIMILAR_NAME_SCORE = 0.3  # a similar name adds to a pair found otherwise; alone it is no pair
# The same full name (two words or more, equal name keys) is evidence on its own, unless
# more than MAX_SAME_NAME contacts (archived included) share it: then it is a common name (a Wei Zhang in
# each of four companies), which only adds SIMILAR_NAME_SCORE to a pair found otherwise.
SAME_NAME_SCORE = 0.5
MAX_SAME_NAME = 3
NAME_RATIO = 0.85
MIN_PHONE_DIGITS = 7
# An email or phone shared by more contacts than this is a shared mailbox or switchboard
# (info@, a reception desk), not one person recorded twice.
MAX_SHARED = 25
DEFAULT_MIN_SCORE = 0.5


@dataclass(frozen=True)
class Reason:
    """One piece of evidence that two contacts are the same person."""

    kind: str  # email, phone, name
    value: str  # the email, the phone, or the company / name compared
    score: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "score": self.score, "text": self.text}


@dataclass(frozen=True)
class DupePair:
    """Two contacts that are likely one person. ``a`` is the older (lower id)."""

    a: Ref
    b: Ref
    score: float
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "score": round(self.score, 2),
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True)
class IgnoredPair:
    """A pair the user said is not a duplicate. A contact that no longer exists is None."""

    a_uid: str
    b_uid: str
    a: Ref | None
    b: Ref | None
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "a_uid": self.a_uid,
            "b_uid": self.b_uid,
            "a": self.a.to_dict() if self.a else None,
            "b": self.b.to_dict() if self.b else None,
            "created_at": self.created_at,
        }


def combine(scores: Iterable[float]) -> float:
    """1 - Π(1 - s): independent evidence adds up, and never passes 1."""
    remaining = 1.0
    for s in scores:
        remaining *= 1.0 - s
    return 1.0 - remaining


def name_similarity(first: str, second: str) -> float:
    """How alike two name keys (validate.key) are, 0..1, the same whichever comes first.

    Names with the same words in any order are 1.0 ("lee ann", "ann lee"). Otherwise
    every word of the name with fewer words must match a word of the other (equal, a
    initial, or alike by difflib's ratio >= 0.85: "jon"/"john"), or the
    names are 0.0: "louis thomas" and "lisa thomas" are two people. Names that pass get
    difflib's ratio of the whole names, written or with their words sorted, the higher."""
    if first == second:
        return 1.0
    x, y = sorted((first, second))  # SequenceMatcher is not symmetric; fix the order
    xs, ys = " ".join(sorted(x.split())), " ".join(sorted(y.split()))
    if xs == ys:
        return 1.0
    if not _words_align(x.split(), y.split()):
        return 0.0
    xs, ys = sorted((xs, ys))
    best = 0.0
    for p, q in ((x, y), (xs, ys)):
        matcher = difflib.SequenceMatcher(None, p, q, autojunk=False)
        if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
            continue
        best = max(best, matcher.ratio())
    return best


def _words_align(first: list[str], second: list[str]) -> bool:
    fewer, more = sorted((first, second), key=lambda words: (len(words), words))
    left = list(more)
    for word in fewer:
        match = next((w for w in left if _words_alike(word, w)), None)
        if match is None:
            return False
        left.remove(match)
    return True


def _words_alike(p: str, q: str) -> bool:
    if p == q:
        return True
    for initial, word in ((p, q), (q, p)):  # "j." or "j" stands for "john"
        if len(initial.rstrip(".")) == 1 and word.startswith(initial.rstrip(".")):
            return True
    p, q = sorted((p, q))
    return difflib.SequenceMatcher(None, p, q, autojunk=False).ratio() >= NAME_RATIO


def _phone_digits(key: str) -> int:
    main = key.split("x", 1)[0]
    return sum(ch.isdigit() for ch in main)


def find_pairs(
    store: Store,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    limit: int | None = None,
    archived: bool = False,
) -> list[DupePair]:
    """Likely duplicate pairs, best first, without the pairs marked "not a duplicate".
    Archived contacts are left out unless ``archived``."""
    if not 0.0 <= min_score <= 1.0:
        raise InvalidInput(f"--min-score {min_score:g} is not between 0 and 1", hint="e.g. 0.7")
    if limit is not None and limit < 0:
        raise InvalidInput("--limit must be 0 or more", hint="e.g. --limit 20")
    evidence: dict[tuple[int, int], list[Reason]] = defaultdict(list)
    with store.snapshot():
        for kind, table, weight in (
            ("email", "contact_emails", EMAIL_SCORE),
            ("phone", "contact_phones", PHONE_SCORE),
        ):
            rows = queries.shared_keys(store, table, archived=archived)
            for key, group in itertools.groupby(rows, key=lambda r: r["value_key"]):
                if kind == "phone" and _phone_digits(key) < MIN_PHONE_DIGITS:
                    continue
                values: dict[int, str] = {}
                for row in group:
                    values.setdefault(row["contact_id"], row["value"])
                if not 2 <= len(values) <= MAX_SHARED:
                    continue
                for a, b in itertools.combinations(sorted(values), 2):
                    evidence[a, b].append(
                        Reason(kind, values[a], weight, f"same {kind} {values[a]}")
                    )
        _company_names(store, evidence, archived)
        _same_names(store, evidence, archived)
        briefs = queries.contact_briefs(store, sorted({i for pair in evidence for i in pair}))
        ignored = queries.ignored_pairs(store)
    pairs = []
    for (a, b), reasons in evidence.items():
        ra, rb = briefs[a], briefs[b]
        if tuple(sorted((ra["uid"], rb["uid"]))) in ignored:
            continue
        if not any(r.kind == "name" for r in reasons):
            ratio = name_similarity(ra["name_key"], rb["name_key"])
            if ratio >= NAME_RATIO:
                text = "same name" if ratio == 1.0 else f"similar name ({ratio:.2f})"
                reasons.append(Reason("name", rb["display_name"], SIMILAR_NAME_SCORE, text))
        score = combine(r.score for r in reasons)
        if score + 1e-9 < min_score:
            continue
        pairs.append(DupePair(_brief(ra), _brief(rb), score, tuple(reasons)))
    pairs.sort(key=lambda p: (-p.score, p.a.id, p.b.id))
    return pairs if limit is None else pairs[:limit]


def _company_names(
    store: Store, evidence: dict[tuple[int, int], list[Reason]], archived: bool
) -> None:
    """Similar names inside each company: only names sharing a word are compared."""
    rows = queries.company_members(store, archived=archived)
    company_names: dict[int, str] = {}
    for company_id, group in itertools.groupby(rows, key=lambda r: r["company_id"]):
        members = list(group)
        if len(members) < 2:
            continue
        by_word: dict[str, list[Row]] = defaultdict(list)
        for row in members:
            for word in set(row["name_key"].split()):
                by_word[word].append(row)
        compared: set[tuple[int, int]] = set()
        for bucket in by_word.values():
            for x, y in itertools.combinations(bucket, 2):
                pair = (x["id"], y["id"]) if x["id"] < y["id"] else (y["id"], x["id"])
                if pair in compared:
                    continue
                compared.add(pair)
                ratio = name_similarity(x["name_key"], y["name_key"])
                if ratio < NAME_RATIO:
                    continue
                if company_id not in company_names:
                    company_names[company_id] = queries.company_name(store, company_id)
                company = company_names[company_id]
                if x["name_key"] == y["name_key"]:
                    reason = Reason(
                        "name",
                        company,
                        SAME_NAME_COMPANY_SCORE,
                        f"same name and same company {company}",
                    )
                else:
                    reason = Reason(
                        "name",
                        company,
                        SIMILAR_NAME_COMPANY_SCORE,
                        f"similar name ({ratio:.2f}) and same company {company}",
                    )
                evidence[pair].append(reason)


def _same_names(
    store: Store, evidence: dict[tuple[int, int], list[Reason]], archived: bool
) -> None:
    """Contacts with exactly the same full name, in any company or none (a name shared by
    more than MAX_SAME_NAME contacts, archived ones included, is a common name, not
    evidence: that bound keeps the query to the name index and a few rows). A pair
    already found alike by name within a company keeps that reason alone."""
    rows = queries.same_name_rows(store, most=MAX_SAME_NAME)
    for key, group in itertools.groupby(rows, key=lambda r: r["name_key"]):
        if " " not in key:  # one word is a first name, not a full name
            continue
        members = [r for r in group if archived or not r["archived"]]
        if not 2 <= len(members) <= MAX_SAME_NAME:
            continue
        for x, y in itertools.combinations(members, 2):
            pair = (x["id"], y["id"])
            if pair in evidence and any(r.kind == "name" for r in evidence[pair]):
                continue
            companies = [x["company_name"], y["company_name"]]
            text = "same name"
            if all(companies) and x["company_id"] != y["company_id"]:
                text += f", different companies ({companies[0]}, {companies[1]})"
            evidence[pair].append(Reason("name", y["display_name"], SAME_NAME_SCORE, text))


def _brief(row: Row) -> Ref:
    return Ref(row["id"], row["uid"], row["display_name"])


# -- "not a duplicate" --------------------------------------------------------------------


def _two(store: Store, first: str | int, second: str | int) -> tuple[Row, Row]:
    a = refs.contact_id(store, str(first))
    b = refs.contact_id(store, str(second))
    if a == b:
        raise InvalidInput(
            f"both references name the same contact #{a}", hint="give two different contacts"
        )
    briefs = queries.contact_briefs(store, [a, b])
    return briefs[a], briefs[b]


def ignore_pair(store: Store, first: str | int, second: str | int) -> tuple[IgnoredPair, bool]:
    """Remember that two contacts are not the same person: ``find_pairs`` leaves the pair
    out from now on. Returns (the pair, whether it was new)."""
    with store.transaction():
        ra, rb = _two(store, first, second)
        row = queries.ignore_row(store, ra["uid"], rb["uid"])
        changed = row is None
        if row is None:
            a_uid, b_uid = sorted((ra["uid"], rb["uid"]))
            stamp = clock.utc_stamp()
            store.insert(
                "dupe_ignores",
                {"contact_a_uid": a_uid, "contact_b_uid": b_uid, "created_at": stamp},
            )
            row = queries.ignore_row(store, ra["uid"], rb["uid"])
        assert row is not None
        by_uid = {ra["uid"]: _brief(ra), rb["uid"]: _brief(rb)}
        pair = IgnoredPair(
            row["contact_a_uid"],
            row["contact_b_uid"],
            by_uid[row["contact_a_uid"]],
            by_uid[row["contact_b_uid"]],
            row["created_at"],
        )
        return pair, changed


def unignore_pair(store: Store, first: str | int, second: str | int) -> bool:
    """Forget a "not a duplicate" mark. Returns whether there was one."""
    with store.transaction():
        ra, rb = _two(store, first, second)
        row = queries.ignore_row(store, ra["uid"], rb["uid"])
        if row is None:
            return False
        store.delete("dupe_ignores", row["id"])
        return True


def ignored_pairs(store: Store) -> list[IgnoredPair]:
    """Every pair marked "not a duplicate", oldest first."""
    result = []
    for r in queries.ignore_rows(store):
        a = Ref(r["a_id"], r["contact_a_uid"], r["a_name"]) if r["a_id"] else None
        b = Ref(r["b_id"], r["contact_b_uid"], r["b_name"]) if r["b_id"] else None
        result.append(IgnoredPair(r["contact_a_uid"], r["contact_b_uid"], a, b, r["created_at"]))
    return result
