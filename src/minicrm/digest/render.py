"""The digest as text (80 columns), Markdown, a self-contained e-mail-safe HTML page, or
JSON. No Rich and no escape codes: the digest is for mail first. User data goes through
:func:`minicrm.ui.text.visible` (control characters made visible) and is escaped for the
format (Markdown punctuation, HTML entities)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from minicrm.activity.models import DateItem, DueItem, StaleItem
from minicrm.core import dates, money
from minicrm.deals.pipeline import BoardItem
from minicrm.digest.service import Digest
from minicrm.ui.machine import to_json
from minicrm.ui.text import visible

WIDTH = 80
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _day(iso: str) -> str:
    return f"{WEEKDAYS[date.fromisoformat(iso).weekday()]} {iso}"


def _ago(n: int) -> str:
    if n > 0:
        return f"{n} day{'s' if n != 1 else ''} overdue"
    return dates.humanize_days(-n)


# -- one neutral model of the sections, shared by every format ---------------------------


class Entry:
    """One item as plain strings: a headline and detail lines (all user text visible())."""

    def __init__(self, headline: str, details: list[str]) -> None:
        self.headline = headline
        self.details = details


def _reach(item: DueItem | StaleItem) -> list[str]:
    reach = item.reach
    lines = []
    ways = " / ".join(visible(v) for v in (reach.phone, reach.email) if v)
    if ways:
        lines.append(ways)
    last = reach.last_interaction
    if last is not None:
        when = dates.local_datetime(last.occurred_at).strftime("%Y-%m-%d")
        lines.append(f"Last: {when} {last.kind}: {visible(last.summary)}")
    else:
        lines.append("Last: no interaction yet")
    return lines


def _followup_entry(item: DueItem) -> Entry:
    f = item.followup
    due = _day(f.due_date) + (f" {f.due_time}" if f.due_time else "")
    who = f" - {visible(f.contact.name)}" if f.contact else ""
    prio = " [high]" if f.priority == "high" else ""
    headline = f"#{f.id} {visible(f.title)}{who}{prio}"
    late = dates.humanize_overdue(item.days_overdue, item.minutes_overdue, f.due_time is not None)
    details = [f"due {due} ({late})"]
    if f.recurrence:
        details[0] += f", {f.recurrence.text}"
    if f.contact:
        details += _reach(item)
    return Entry(headline, details)


def _stale_entry(item: StaleItem) -> Entry:
    source = "" if item.cadence_source == "contact" else f" ({item.cadence_source})"
    headline = f"#{item.contact.id} {visible(item.contact.name)}"
    over = f"{item.days_over} day{'s' if item.days_over != 1 else ''}"
    details = [
        f"every {item.cadence_days} days{source}; {item.days_since} days since {item.since}, "
        f"{over} over",
        *_reach(item),
    ]
    return Entry(headline, details)


def _date_entry(item: DateItem) -> Entry:
    years = ""
    if item.years is not None:
        years = f", turns {item.years}" if item.label == "birthday" else f", {item.years} years"
    return Entry(
        f"#{item.contact.id} {visible(item.contact.name)}: {visible(item.label)}",
        [f"{_day(item.next_date)} ({dates.humanize_days(item.days_until)}{years})"],
    )


def _deal_entry(item: BoardItem, as_of: date) -> Entry:
    deal = item.deal
    who = " / ".join(
        visible(n)
        for n in (deal.contact and deal.contact.name, deal.company and deal.company.name)
        if n
    )
    headline = f"Deal #{deal.id} {visible(deal.title)}" + (f" - {who}" if who else "")
    detail = f"{money.show(deal.amount_minor, deal.currency)}, {deal.stage} ({deal.effective_probability}%)"
    if deal.close_date:
        days = (date.fromisoformat(deal.close_date) - as_of).days
        detail += f", close {_day(deal.close_date)} ({_ago(-days)})"
    details = [detail]
    if item.next_step is not None:
        details.append(
            f"Next step: #{item.next_step.id} {visible(item.next_step.title)}, due {item.next_step.due_date}"
        )
    else:
        details.append("No next step: no open follow-up for this deal")
    return Entry(headline, details)


def _next_days(n: int) -> str:
    return "today" if n == 0 else f"next {n} day{'s' if n != 1 else ''}"


def _more(d: Digest, names: tuple[str, ...], command: str) -> str | None:
    """ "... and N more (COMMAND)" for a section cut at the digest's limit, else None."""
    n = sum(d.left_out.get(name, 0) for name in names)
    return f"... and {n} more ({command})" if n else None


Section = tuple[str, list[Entry], str | None]  # heading, entries, the "and N more" line


def sections(d: Digest) -> Iterator[Section]:
    """(heading, entries, more) for every non-empty section, in reading order; ``more``
    says how many entries past the digest's limit were left out, and where to see them."""
    ahead = f"--days {d.days + 1}"
    if d.gap and d.previous and (d.missed or d.missed_dates):
        yield (
            f"Missed since your last digest ({_day(d.previous.isoformat())})",
            [_followup_entry(i) for i in d.missed] + [_date_entry(i) for i in d.missed_dates],
            _more(d, ("missed", "missed_dates"), "minicrm due"),
        )
    for heading, items, name, command in (
        ("Overdue", d.overdue, "overdue", "minicrm due"),
        ("Today", d.today, "today", "minicrm due"),
        (f"Coming up ({_next_days(d.days)})", d.upcoming, "upcoming", f"minicrm agenda {ahead}"),
    ):
        if items:
            yield heading, [_followup_entry(i) for i in items], _more(d, (name,), command)
    if d.stale:
        yield (
            "Time to get in touch",
            [_stale_entry(i) for i in d.stale],
            _more(d, ("stale",), "minicrm stale"),
        )
    if d.dates:
        yield (
            f"Birthdays and dates ({_next_days(d.days)})",
            [_date_entry(i) for i in d.dates],
            _more(d, ("dates",), f"minicrm birthdays {ahead}"),
        )
    if d.deals is not None:
        for heading, group, name in (
            ("Deals past their close date", d.deals.overdue_close, "deals_overdue_close"),
            (f"Deals closing ({_next_days(d.deals.days)})", d.deals.closing, "deals_closing"),
            ("Deals without a next step", d.deals.no_next_step, "deals_no_next_step"),
        ):
            if group:
                yield (
                    heading,
                    [_deal_entry(i, d.as_of) for i in group],
                    _more(d, (name,), "minicrm pipeline"),
                )


def title(d: Digest) -> str:
    return f"minicrm digest for {_day(d.as_of.isoformat())}"


# -- formats ----------------------------------------------------------------------------


def as_text(d: Digest) -> str:
    """Plain text that fits 80 columns."""
    out = [title(d), d.summary(), ""]
    if d.empty:
        out.append("Nothing is due and nobody is waiting on you.")
    for heading, entries, more in sections(d):
        out.append(heading.upper())
        for entry in entries:
            out += wrap(entry.headline, "* ", "  ")
            for detail in entry.details:
                out += wrap(detail, "    ", "      ")
        if more:
            out.append(more)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


_wrappers: dict[tuple[str, str], Any] = {}


def wrap(text: str, first: str, rest: str, width: int = WIDTH) -> list[str]:
    """``textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest,
    break_long_words=True, break_on_hyphens=False)``, without textwrap for a line that
    fits: most of the digest's lines, and textwrap (a TextWrapper built, the text munged
    and split for every line) was most of a digest's time."""
    if len(first) + len(text) <= width and text.isprintable():
        # textwrap would make one line of it, dropping trailing spaces (and all of a
        # text that is only spaces): isprintable() leaves no whitespace but " " to change
        text = text.rstrip(" ")
        return [first + text] if text else []
    wrapper = _wrappers.get((first, rest))
    if wrapper is None:
        import textwrap

        wrapper = _wrappers[(first, rest)] = textwrap.TextWrapper(
            width,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=True,
            break_on_hyphens=False,
        )
    if wrapper.width != width:
        wrapper.width = width
    return list(wrapper.wrap(text))


# Markdown punctuation that can change the meaning of text inside our fixed layout (every
# line starts with our own "- **" or indentation); &, < and > are HTML-escaped first.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def as_markdown(d: Digest) -> str:
    out = [f"# {_md(title(d))}", "", _md(d.summary()), ""]
    if d.empty:
        out += ["Nothing is due and nobody is waiting on you.", ""]
    for heading, entries, more in sections(d):
        out += [f"## {_md(heading)}", ""]
        for entry in entries:
            out.append(f"- **{_md(entry.headline)}**  ")
            out += [f"  {_md(detail)}  " for detail in entry.details]
        if more:
            out += ["", _md(more)]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


_FONT = "font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;"


def as_html(d: Digest) -> str:
    """A complete, self-contained page with inline styles and table layout, as mail
    clients (Outlook, Gmail, Apple Mail) render reliably."""
    e = html.escape
    rows = []
    if d.empty:
        rows.append(
            f'<tr><td style="{_FONT}font-size:15px;color:#333;padding:8px 0;">'
            "Nothing is due and nobody is waiting on you.</td></tr>"
        )
    for heading, entries, more in sections(d):
        rows.append(
            f'<tr><td style="{_FONT}font-size:17px;font-weight:bold;color:#1a1a1a;'
            f'padding:18px 0 6px 0;border-bottom:1px solid #dddddd;">{e(heading)}</td></tr>'
        )
        for entry in entries:
            details = "".join(
                f'<div style="{_FONT}font-size:13px;color:#555555;padding-top:2px;">{e(line)}</div>'
                for line in entry.details
            )
            rows.append(
                f'<tr><td style="padding:8px 0 8px 0;border-bottom:1px solid #f0f0f0;">'
                f'<div style="{_FONT}font-size:15px;color:#1a1a1a;">{e(entry.headline)}</div>'
                f"{details}</td></tr>"
            )
        if more:
            rows.append(
                f'<tr><td style="{_FONT}font-size:13px;color:#555555;padding:8px 0;">'
                f"{e(more)}</td></tr>"
            )
    body = "\n".join(rows)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title(d))}</title>\n</head>\n"
        f'<body style="margin:0;padding:0;background-color:#f6f6f6;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background-color:#f6f6f6;">\n<tr><td align="center" style="padding:16px;">\n'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" '
        'style="max-width:600px;width:100%;background-color:#ffffff;padding:16px;">\n'
        f'<tr><td style="{_FONT}font-size:20px;font-weight:bold;color:#1a1a1a;">{e(title(d))}</td></tr>\n'
        f'<tr><td style="{_FONT}font-size:14px;color:#555555;padding:4px 0 8px 0;">{e(d.summary())}</td></tr>\n'
        f"{body}\n"
        "</table>\n</td></tr>\n</table>\n</body>\n</html>\n"
    )


def as_json(d: Digest) -> str:
    return to_json(d.to_dict()) + "\n"


FORMATS = {"text": as_text, "markdown": as_markdown, "html": as_html, "json": as_json}


def render(d: Digest, fmt: str) -> str:
    return FORMATS[fmt](d)
