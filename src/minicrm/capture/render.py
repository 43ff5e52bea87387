"""Capture results on the screen: what was logged, the counts, the suggestions.

Every value reaches the terminal through :mod:`minicrm.ui.render` (escaped: a subject
holding escape sequences or markup is shown as text)."""

from __future__ import annotations

from collections.abc import Sequence

from minicrm.capture.models import CapturedItem, CaptureResult, Suggestion, UpcomingEvent
from minicrm.ui import render
from minicrm.ui.text import stdout_is_terminal

_ARROWS = {"in": "<-", "out": "->", None: "  "}


def _names(people: Sequence[object]) -> str:
    names = [str(getattr(p, "name", p)) for p in people]
    return ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")


def item_row(item: CapturedItem) -> list[object]:
    return [
        render.local_time(item.occurred_at),
        f"{_ARROWS.get(item.direction, '  ')} {item.kind}",
        _names(item.contacts),
        item.title or ("(no subject)" if item.kind == "email" else "(no title)"),
    ]


def upcoming_row(event: UpcomingEvent) -> list[object]:
    when = (
        render.local_time(event.starts_at)[:10]
        if event.all_day
        else render.local_time(event.starts_at)
    )
    return [when, "   meeting", _names(event.contacts), event.title or "(no title)"]


def summary(result: CaptureResult) -> str:
    c = result.counts
    verb = "Would log" if result.dry_run else "Logged"
    if result.what == "mail":
        text = (
            f"{verb} {c['logged']} email{'s' if c['logged'] != 1 else ''} "
            f"from {c['messages']} new message{'s' if c['messages'] != 1 else ''} "
            f"in {len(result.sources)} source{'s' if len(result.sources) != 1 else ''}: "
            f"{c['duplicates']} already logged, {c['noise']} lists or automated, "
            f"{c['ignored']} ignored, {c['unknown']} not with contacts, {c['bad']} unreadable"
        )
    else:
        text = (
            f"{verb} {c['logged']} meeting{'s' if c['logged'] != 1 else ''} "
            f"from {c['events']} event{'s' if c['events'] != 1 else ''} "
            f"in {len(result.sources)} file{'s' if len(result.sources) != 1 else ''}: "
            f"{c['duplicates']} already logged, {c['skipped']} cancelled or declined, "
            f"{c['unknown']} without contacts, {c['upcoming']} upcoming, {c['bad']} unreadable"
        )
    return text + "."


def print_items(result: CaptureResult) -> None:
    if result.items:
        render.print_table(["when", "what", "with", "subject"], [item_row(i) for i in result.items])
    if result.what == "calendar" and result.upcoming and stdout_is_terminal():
        render.print_table(
            ["when", "what", "with", "title"],
            [upcoming_row(u) for u in result.upcoming[:20]],
            title="Upcoming (shown by agenda, logged once past)",
        )


def print_suggestions(suggestions: Sequence[Suggestion], added: bool) -> None:
    rows = [
        [
            s.address,
            s.name,
            s.sent,
            s.received,
            render.local_time(s.last) if s.last else "",
            f"#{s.contact.id}" if s.contact else "",
        ]
        for s in suggestions
    ]
    columns = ["address", "name", "sent", "received", "last"] + (["added"] if added else [])
    render.print_table(columns, [r if added else r[:-1] for r in rows])


def print_meetings(meetings: Sequence[UpcomingEvent]) -> None:
    """Upcoming meetings (for agenda): when, with whom, what."""
    render.print_table(
        ["when", "with", "title"],
        [
            [
                render.local_time(u.starts_at)[:10] + " all day"
                if u.all_day
                else render.local_time(u.starts_at),
                _names(u.contacts),
                u.title or "(no title)",
            ]
            for u in meetings
        ],
        title="Meetings (from your calendars)",
    )
