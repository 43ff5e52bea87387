"""The activity feed as a table, JSON, CSV/TSV, or a Markdown weekly review to paste."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain

from minicrm.feed.service import (
    DEAL_KINDS,
    INTERACTION_KINDS,
    Event,
    Feed,
)
from minicrm.ui.machine import write_delimited, write_json
from minicrm.ui.render import nothing, print_table
from minicrm.ui.screen import Column
from minicrm.ui.text import visible

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
COLUMNS = (
    Column("when", whole=True),
    Column("kind", whole=True),
    Column("who", least=10, drop=1),
    Column("what", least=20),
)
CSV_COLUMNS = ("at", "date", "kind", "record", "id", "who", "text", "deal", "value")


def _day(iso: str) -> str:
    return f"{WEEKDAYS[date.fromisoformat(iso).weekday()]} {iso}"


def who(event: Event) -> str:
    return ", ".join(c.name for c in event.contacts)


def _first_line(text: str) -> str:
    for part in text.splitlines():
        if part.strip():
            return part.strip()
    return ""


def what(event: Event) -> str:
    """The event in a few words."""
    if event.kind in INTERACTION_KINDS:
        text = _first_line(event.text)
        return f"{text} (deal: {event.deal.name})" if event.deal else text
    if event.kind == "done":
        return f"done: {event.text}"
    if event.kind == "cancelled":
        return f"cancelled: {event.text}"
    if event.kind == "promised":  # the due date is in JSON and the review (a table
        return event.text  # may shorten text, and never cuts a date in two)
    if event.kind == "deal":
        return f"new deal {event.text}" + (f", {event.value}" if event.value else "")
    if event.kind == "moved":
        return f"{event.text}: {event.stage_from} → {event.stage_to}"
    if event.kind == "won":
        return f"won {event.text}" + (f", {event.value}" if event.value else "")
    if event.kind == "lost":
        return f"lost {event.text}" + (f" ({event.lost_reason})" if event.lost_reason else "")
    return event.text  # added: the contact's name


def when(event: Event) -> str:
    return f"{WEEKDAYS[date.fromisoformat(event.day).weekday()]} {event.local}"


def print_feed(feed: Feed, fmt: str, *, raw: bool = False) -> None:
    if fmt == "json":
        write_json(feed.to_dict())
        return
    if fmt == "markdown":
        print(as_markdown(feed), end="")
        return
    if fmt in ("csv", "tsv"):
        write_delimited(
            CSV_COLUMNS,
            (
                [
                    e.at,
                    e.day,
                    e.kind,
                    e.record,
                    e.id,
                    who(e),
                    e.text,
                    e.deal.name if e.deal else "",
                    e.value or "",
                ]
                for e in feed.events
            ),
            tsv=fmt == "tsv",
            raw=raw,
        )
        return
    print_events(feed.events, feed.since, feed.until)


def print_events(events: Iterable[Event], since: date, until: date) -> None:
    rest: Iterator[Event] = iter(events)
    first = next(rest, None)
    if first is None:
        nothing(f"No activity from {since.isoformat()} to {until.isoformat()}.")
        return
    print_table(COLUMNS, ([when(e), e.kind, who(e), what(e)] for e in chain((first,), rest)))


# -- the weekly review -------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#<>])")


def _md(text: object) -> str:
    return _MD_SPECIAL.sub(r"\\\1", html.escape(visible(text), quote=False))


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def summary(feed: Feed) -> str:
    counts = feed.counts
    logged = sum(counts.get(k, 0) for k in INTERACTION_KINDS)
    parts = []
    if logged:
        by_kind = ", ".join(
            _plural(counts[k], k, k + ("es" if k.endswith("s") else "s"))
            for k in INTERACTION_KINDS
            if counts.get(k)
        )
        parts.append(f"{_plural(logged, 'interaction')} ({by_kind})")
    for kind, one, many in (
        ("done", "follow-up done", "follow-ups done"),
        ("promised", "follow-up promised", "follow-ups promised"),
        ("cancelled", "follow-up cancelled", "follow-ups cancelled"),
        ("deal", "new deal", "new deals"),
        ("moved", "deal moved", "deals moved"),
        ("won", "deal won", "deals won"),
        ("lost", "deal lost", "deals lost"),
        ("added", "contact added", "contacts added"),
    ):
        if counts.get(kind):
            parts.append(_plural(counts[kind], one, many))
    return ", ".join(parts) if parts else "No activity."


def as_markdown(feed: Feed) -> str:
    """The review: a summary line, then a section per part, oldest first within each (a
    review reads forward in time)."""
    out = [
        f"# Activity, {_day(feed.since.isoformat())} to {_day(feed.until.isoformat())}",
        "",
        _md(summary(feed)),
    ]
    events = list(reversed(feed.events))
    logged = [e for e in events if e.kind in INTERACTION_KINDS]
    if logged:
        out += ["", "## Conversations"]
        day = None
        for e in logged:
            if e.day != day:
                day = e.day
                out += ["", f"### {_day(day)}", ""]
            people = f" with {_md(who(e))}" if e.contacts else ""
            deal = f" (deal: {_md(e.deal.name)})" if e.deal else ""
            out.append(f"- {e.local[11:]} **{e.kind}**{people}: {_md(_first_line(e.text))}{deal}")
    for kind, title in (
        ("done", "Follow-ups done"),
        ("promised", "Follow-ups promised"),
        ("cancelled", "Follow-ups cancelled"),
    ):
        items = [e for e in events if e.kind == kind]
        if items:
            out += ["", f"## {title}", ""]
            for e in items:
                people = f" ({_md(who(e))})" if e.contacts else ""
                due = f", due {e.due_date}" if kind == "promised" and e.due_date else ""
                out.append(f"- {_day(e.day)}: {_md(e.text)}{people}{due}")
    deals = [e for e in events if e.kind in DEAL_KINDS]
    if deals:
        out += ["", "## Deals", ""]
        for e in deals:
            people = f" ({_md(who(e))})" if e.contacts else ""
            out.append(f"- {_day(e.day)}: {_md(what(e))}{people}")
    added = [e for e in events if e.kind == "added"]
    if added:
        out += ["", "## New contacts", ""]
        out += [f"- {_day(e.day)}: {_md(e.text)}" for e in added]
    return "\n".join(out) + "\n"
