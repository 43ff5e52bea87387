"""A change set in words: what a command did, said as a person would ("edit of Maria
González: removed email maria@old.example"), from its history rows.

:mod:`minicrm.history.changesets` reads the rows and calls :func:`summarize`; `history`, `undo` and
`redo` print the result, and keep the row-level view (tables, ids, JSON values) for
``--verbose`` and ``--json``. No SQL and no printing here: names of contacts and companies
the rows only point to come from the ``names`` callable the caller passes. The phrases
are :mod:`minicrm.history.phrases`, their words :mod:`minicrm.history.vocabulary`.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from minicrm.history.phrases import (
    Reader,
    child_phrases,
    contact_update_phrases,
    deal_phrases,
    followup_phrases,
    interaction_phrases,
    link_phrases,
    other_phrases,
    with_owned,
)
from minicrm.history.vocabulary import CHILDREN, GROUPS, NOUNS, QUIET, VERBS, Names, counted, quoted


@dataclass(frozen=True)
class Summary:
    """``subject`` ("edit of Maria González") and what it did, one phrase each."""

    subject: str
    details: tuple[str, ...]

    def details_text(self, most: int = 4) -> str:
        """``removed email x; title CTO → CEO`` (at most ``most`` phrases, then "and N
        more"); "" when nothing is said."""
        shown = "; ".join(self.details[:most])
        more = len(self.details) - most
        return shown + (f"; and {more} more" if more > 0 else "")

    def text(self, most: int = 4) -> str:
        """``edit of Maria González: removed email x; title CTO → CEO``."""
        details = self.details_text(most)
        return f"{self.subject}: {details}" if details else self.subject


def command_words(command: str) -> str:
    """What a command line did: ``minicrm --db x.db deal won 3`` -> ``deal won``;
    ``python`` (a script calling the library) -> ``change``."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if not words or words[0] != "minicrm":
        return "change"
    rest, skip = [], False
    for word in words[1:]:
        if skip:
            skip = False
        elif word == "--db":
            skip = True
        elif not word.startswith("-"):
            rest.append(word)
    if not rest:
        return "change"
    if rest[0] in GROUPS and len(rest) > 1 and not rest[1].lstrip("#").isdigit():
        return " ".join(rest[:2])
    return rest[0]


def _phrases(reader: Reader) -> list[str]:
    """One phrase per thing done, in the order done; what belongs to a contact added or
    deleted by the same command is counted on that contact's phrase."""
    moved: dict[int, dict[str, int]] = {}
    owned: dict[int, dict[str, int]] = {}  # contact added/deleted -> table -> rows
    whole = reader.created | reader.deleted
    phrases: list[str] = []
    contact_phrase: dict[int, int] = {}
    for r in reader.rows:
        entity, image = r["entity"], r["after"] or r["before"] or {}
        # a record that could not be read (damaged, store/jsonvalues.py) reads as None
        if (r["op"] != "insert" and r["before"] is None) or (
            r["op"] != "delete" and r["after"] is None
        ):
            one, _ = NOUNS.get(entity, (entity, entity))
            verb = VERBS.get(r["op"], r["op"])
            phrases.append(
                f"{verb} {one} #{r['row_id']} (its record is damaged: see minicrm db check)"
            )
            continue
        owner = image.get("contact_id")
        if entity == "interactions":
            owner = reader.link_owner.get(r["row_id"])
        if entity in QUIET and entity != "interaction_contacts":
            continue
        if entity != "contacts" and owner is not None and owner in whole and r["op"] != "update":
            if entity == "interaction_contacts":
                continue
            table = entity
            owned.setdefault(owner, {}).setdefault(table, 0)
            owned[owner][table] += 1
            continue
        if entity == "contacts":
            if r["op"] == "update":
                if r["row_id"] not in whole:  # added or deleted whole: that says it
                    phrases += contact_update_phrases(r, reader)
            else:
                contact_phrase[r["row_id"]] = len(phrases)
                verb = "added" if r["op"] == "insert" else "deleted"
                phrases.append(f"{verb} contact {reader.name(r['row_id'])}")
        elif entity in CHILDREN:
            phrases += child_phrases(r, reader, moved)
        elif entity == "followups":
            phrases += followup_phrases(r, reader, moved)
        elif entity == "deals":
            phrases += deal_phrases(r, reader, moved)
        elif entity == "interactions":
            phrases += interaction_phrases(r, reader)
        elif entity == "interaction_contacts":
            phrases += link_phrases(r, reader, moved)
        else:
            phrases += other_phrases(r)
    for contact_id, index in contact_phrase.items():
        phrases[index] += with_owned(owned.get(contact_id, {}))
    for contact_id, tables in moved.items():
        phrases.append(
            f"moved {', '.join(counted(n, t) for t, n in tables.items())} to {reader.name(contact_id)}"
        )
    return list(dict.fromkeys(p for p in phrases if p))


def _by_counts(counts: dict[str, dict[str, int]]) -> list[str]:
    """For a change set too big to list: ``added 1,000 contacts`` per table and op."""
    phrases = []
    for table, ops in counts.items():
        if table in QUIET:
            continue
        for op, n in ops.items():
            phrases.append(f"{VERBS.get(op, op)} {counted(n, table)}")
    return phrases


def _named_record(reader: Reader, entities: tuple[str, ...] = ("deals", "companies")) -> str | None:
    """The first deal or company (of ``entities``) the change set wrote, by its title or
    name."""
    for r in reader.rows:
        image = r["after"] or r["before"] or {}
        if r["entity"] not in entities:
            continue
        if r["entity"] == "deals" and image.get("title"):
            return f'deal "{quoted(image["title"])}"'
        if r["entity"] == "companies" and image.get("name"):
            return f"company {quoted(image['name'])}"
    return None


def _who(reader: Reader, words: str = "") -> str | None:
    """Whom or what a change set was about: a `company ...` or `deal ...` command's
    company or deal (not the contacts it unlinked or the deal's contact), else the
    contacts it touched, else a deal or company."""
    about = {"company": "companies", "deal": "deals"}.get(words.partition(" ")[0])
    if about is not None and (named := _named_record(reader, (about,))) is not None:
        return named
    ids = sorted(reader.touched)
    if len(ids) == 1:
        return reader.name(ids[0])
    if len(ids) == 2:
        return f"{reader.name(ids[0])} and {reader.name(ids[1])}"
    if ids:
        return f"{len(ids):,} contacts"
    return _named_record(reader)


def summarize(
    command: str,
    kind: str,
    undoes: int | None,
    rows: Sequence[dict[str, Any]],
    counts: dict[str, dict[str, int]],
    total: int,
    names: Names,
) -> Summary:
    """The change set in words. ``rows`` are its history rows (decoded, in the order
    written), maybe only the first of ``total``: then what it did is said by ``counts``."""
    reader = Reader(rows, names)
    if kind == "undo":
        words = f"undo of #{undoes}"
    elif kind == "redo":
        words = f"redo (undoing undo #{undoes})"
    else:
        words = command_words(command)
    complete = len(rows) >= total
    who = _who(reader, words) if complete else None
    subject = f"{words} of {who}" if who and kind == "command" else words
    details = _phrases(reader) if complete else _by_counts(counts)
    return Summary(subject, tuple(details))
