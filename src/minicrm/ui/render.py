"""Everything that reaches a screen or a file: plain text, JSON, CSV; at a terminal,
tables and cards through :mod:`minicrm.ui.screen`, and Rich for progress bars.

User data is never markup and never steers a terminal: every string that reaches a
screen (cells, headers, titles, labels, prompts, progress labels) is first passed through
:func:`visible`, which turns control, bidi and invisible characters into visible escapes;
Rich gets it as ``rich.text.Text`` or with markup off. Rich is imported only for a
progress bar on a terminal (it costs ~40 ms at start-up).
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import IO, Any

from minicrm.contacts.models import Company, Contact, ContactLine

# What must never reach a terminal as it is (docs/reliability.md, "Escapes"): C0 (but
# newline and tab, handled per use), DEL and C1 controls; the whole Bidi_Control class
# (U+061C, U+200E/F, U+202A-E, U+2066-9), which reorders what follows; line and paragraph
# separators; and characters a terminal draws as nothing, which make two different names
# look alike or hide text: the soft hyphen, U+200B, U+2060-206F, U+FEFF, U+FFF0-FFFB, the
# Hangul fillers U+3164/U+FFA0, musical beam controls, tag characters (except inside an
# emoji flag such as England's) and lone surrogates. Kept: ZWJ and ZWNJ (emoji sequences,
# Persian and Indic text), variation selectors, combining marks and the format marks of
# particular scripts (Arabic number signs, Mongolian, Kaithi, Egyptian, shorthand).
_INVISIBLE = (
    "\x7f-\x9f\xad\u061c\u200b\u200e\u200f\u202a-\u202e\u2028\u2029\u2060-\u206f"
    "\u3164\ufeff\uffa0\ufff0-\ufffb\ud800-\udfff\U0001d173-\U0001d17a"
    "\U000e0000-\U000e00ff\U000e01f0-\U000e0fff"
)
_FLAG = "\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"  # a subdivision flag: kept whole
_UNSAFE = re.compile(f"{_FLAG}|[\\x00-\\x08\\x0b-\\x1f{_INVISIBLE}]")
_UNSAFE_LINE = re.compile(f"{_FLAG}|[\\x00-\\x1f{_INVISIBLE}]")
_JSON_UNSAFE = re.compile(f"{_FLAG}|[{_INVISIBLE}]")  # json.dumps escapes C0 itself
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\x00")


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    if len(ch) > 1:  # an emoji flag's tag sequence
        return ch
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(value: object, *, one_line: bool = True) -> str:
    """``value`` as text that cannot control a terminal; control characters shown as
    ``\\x1b``-style escapes. With ``one_line`` newlines and tabs are escaped too."""
    text = "" if value is None else str(value)
    if text.isascii() and text.isprintable():  # nearly every value: nothing to look for
        return text
    return (_UNSAFE_LINE if one_line else _UNSAFE).sub(_escape_char, text)


class ScreenSafe:
    """A text stream that writes through :func:`visible` (line ends kept, CRLF as LF):
    an export printed straight to a terminal shows control characters as escapes, while
    the same export to a file or a pipe is exact. Writers give it whole records, so a
    CRLF is never split between two writes."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, text: str) -> int:
        self._out.write(visible(text.replace("\r\n", "\n"), one_line=False))
        return len(text)

    def flush(self) -> None:
        self._out.flush()


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _console(file: IO[str] | None = None) -> Any:
    from rich.console import Console

    # A dumb terminal shows escape codes as garbage: Rich would still send bold and
    # underline there, so no styles at all (color_system=None) on TERM=dumb.
    dumb = os.environ.get("TERM", "").lower() in ("dumb", "unknown")
    return Console(
        file=file,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        no_color=bool(os.environ.get("NO_COLOR")) or None,
        **({"color_system": None} if dumb else {}),
    )


# -- messages (stderr) ------------------------------------------------------------------


def message(text: str) -> None:
    """A line for the user on stderr (confirmations go to stdout via :func:`line`)."""
    pager = sys.modules.get("minicrm.ui.pager")
    if pager is not None:  # what a listing holds back comes first
        pager.release()  # type: ignore[attr-defined]
    print(visible(text, one_line=False), file=sys.stderr)


def nothing(text: str) -> None:
    """Say that a list is empty, to a person at a terminal only: in a pipe or under cron
    an empty result prints nothing at all (cron mails any output, stderr included)."""
    if stdout_is_terminal():
        message(text)


def line(text: str) -> None:
    print(visible(text, one_line=False))


def local_time(stamp: str) -> str:
    """A stored UTC stamp as people read it everywhere on the screen: local time,
    ``2026-12-02 07:44`` (JSON and CSV keep the stored ISO form)."""
    from minicrm.core import dates

    return dates.local_datetime(stamp).strftime("%Y-%m-%d %H:%M")


# -- machine formats --------------------------------------------------------------------


def to_json(data: Any) -> str:
    """Stable JSON: UTF-8, two-space indent; characters that could steer a terminal are
    written as \\u escapes (still valid JSON, still the same string once parsed)."""
    return _JSON_UNSAFE.sub(_json_escape, json.dumps(data, ensure_ascii=False, indent=2))


def _json_escape(match: re.Match[str]) -> str:
    ch = match.group()
    if len(ch) > 1:  # an emoji flag's tag sequence
        return ch
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON escapes a character beyond the BMP as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def write_json(data: Any, file: IO[str] | None = None) -> None:
    print(to_json(data), file=file or sys.stdout)


def guard_formula(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula (OWASP), and to a cell
    that starts with ``'`` before such a character (``'=x`` is written ``''=x``), so that
    the reader, which takes one ``'`` off both kinds (``formats.csvfmt._unguard``), gives
    back every value exactly."""
    if cell.startswith(_FORMULA_START):
        return "'" + cell
    if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_START):
        return "'" + cell
    return cell


def _tsv_cell(cell: str) -> str:
    return cell.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def write_delimited(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    tsv: bool = False,
    raw: bool = False,
    file: IO[str] | None = None,
) -> None:
    """CSV (RFC 4180) or TSV (tab-separated, ``\\t \\n \\\\`` escaped) with a header row."""
    out = file or sys.stdout
    on_screen = file is None and stdout_is_terminal()

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        if on_screen:  # data is exact in files and pipes, but never steers a terminal
            text = visible(text, one_line=False)
        if tsv:
            text = _tsv_cell(text)
        return text if raw else guard_formula(text)

    if tsv:
        out.write("\t".join(columns) + "\n")
        for row in rows:
            out.write("\t".join(cell(v) for v in row) + "\n")
        return
    import csv
    import io

    # row by row into a small buffer, written out every 1,000 rows: an export of 100,000
    # contacts is never one string
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for number, row in enumerate(rows, start=1):
        writer.writerow([cell(v) for v in row])
        if number % 1_000 == 0:
            out.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue())


# -- tables -----------------------------------------------------------------------------


def _width(text: str) -> int:
    """Terminal cells ``text`` takes: wide East Asian characters count two, combining
    marks none. Plain ASCII (nearly every cell) is its length, without a per-character
    Unicode lookup: that lookup made `due` spend 230 ms of 600 ms drawing 4,400 rows."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if zero_width(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return width


def zero_width(ch: str) -> bool:
    """Drawn without a cell of its own: combining marks, zero-width joiners, variation
    selectors, emoji skin tones and tag characters (those of a flag)."""
    return bool(unicodedata.combining(ch)) or (
        ch in "\u200b\u200c\u200d"
        or "\ufe00" <= ch <= "\ufe0f"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
        or "\U000e0000" <= ch <= "\U000e01ef"
    )


def plain_table(columns: Sequence[Any], rows: Sequence[Sequence[object]]) -> str:
    """Aligned columns, nothing truncated, no control codes: for pipes and files."""
    heads = [visible(getattr(c, "name", c)) for c in columns]
    cells = [heads] + [[visible(v) for v in row] for row in rows]
    last = len(columns) - 1  # the last column is not padded: its widths are not needed
    sizes = [[_width(c) for c in r[:last]] for r in cells]
    widths = [max(r[i] for r in sizes) for i in range(last)]
    return "\n".join(
        "  ".join(
            [c + " " * (width - size) for c, size, width in zip(r, s, widths, strict=False)]
            + r[last:]
        ).rstrip()
        for r, s in zip(cells, sizes, strict=True)
    )


def print_table(
    columns: Sequence[Any],
    rows: Iterable[Sequence[object]],
    *,
    title: str | None = None,
    file: IO[str] | None = None,
    terminal: bool | None = None,
) -> None:
    """A table: plain aligned text in a pipe or file; at a terminal, fitted to its width
    and drawn as the rows come (:mod:`minicrm.ui.screen`). ``columns`` are names or
    :class:`minicrm.ui.screen.Column` specs (how each behaves when space is short)."""
    if terminal is None:
        terminal = file is None and stdout_is_terminal()
    if not terminal:
        if title:  # a titled table is a section: a blank line sets it apart
            print("\n" + visible(title), file=file or sys.stdout)
        print(plain_table(columns, list(rows)), file=file or sys.stdout)
        return
    from minicrm.ui.screen import write_table

    write_table(columns, rows, title=title, out=file or sys.stdout)


# -- contacts ---------------------------------------------------------------------------


def _contact_columns() -> tuple[Any, ...]:
    from minicrm.ui.screen import Column

    return (
        Column("id", whole=True),
        Column("name", least=16),
        Column("company", drop=3, least=10),
        Column("email", whole=True, drop=2),
        Column("phone", whole=True, drop=4),
        Column("tags", drop=5, least=8),
        Column("stage", drop=6, least=8),
    )


CONTACT_COLUMNS = ("id", "name", "company", "email", "phone", "tags", "stage")
CONTACT_CSV_COLUMNS = (
    "id",
    "uid",
    "name",
    "given_name",
    "family_name",
    "nickname",
    "title",
    "company",
    "emails",
    "phones",
    "urls",
    "addresses",
    "dates",
    "birthday",
    "tags",
    "stage",
    "source",
    "custom",
    "keep_in_touch_days",
    "last_contacted_at",
    "archived",
    "created_at",
    "updated_at",
)


def _labelled(items: Iterable[Any]) -> str:
    return "; ".join(f"{i.label}:{i.value}" if i.label else i.value for i in items)


def contact_row(c: Contact | ContactLine) -> list[object]:
    company = c.company.name if isinstance(c, Contact) and c.company else c.company
    return [
        c.id,
        c.name + (" (archived)" if c.archived else ""),
        company or "",
        c.email or "",
        c.phone or "",
        ", ".join(c.tags),
        c.stage or "",
    ]


def contact_csv_row(c: Contact) -> list[object]:
    return [
        c.id,
        c.uid,
        c.name,
        c.given_name,
        c.family_name,
        c.nickname,
        c.title,
        c.company.name if c.company else None,
        _labelled(c.emails),
        _labelled(c.phones),
        _labelled(c.urls),
        _labelled(c.addresses),
        _labelled(c.dates),
        c.birthday,
        ",".join(c.tags),
        c.stage,
        c.source,
        json.dumps(c.custom, ensure_ascii=False, sort_keys=True) if c.custom else "",
        c.cadence_days,
        c.last_contacted_at,
        "yes" if c.archived else "no",
        c.created_at,
        c.updated_at,
    ]


def _whole(c: Contact | ContactLine) -> Contact:
    if not isinstance(c, Contact):
        raise TypeError("JSON and CSV listings need whole contacts (list_contacts)")
    return c


def print_contacts(
    contacts: Iterable[Contact] | Iterable[ContactLine], fmt: str, *, raw: bool = False
) -> None:
    """A listing; JSON and CSV/TSV need whole :class:`Contact` records, a table takes
    either, also as they come (an iterator: a terminal's first screen need not wait for
    the last contact)."""
    if fmt == "json":
        write_json([_whole(c).to_dict() for c in contacts])
    elif fmt in ("csv", "tsv"):
        write_delimited(
            CONTACT_CSV_COLUMNS,
            (contact_csv_row(_whole(c)) for c in contacts),
            tsv=fmt == "tsv",
            raw=raw,
        )
    else:
        rows = iter(contacts)
        first = next(rows, None)
        if first is None:
            nothing("No contacts match.")
            return
        print_table(_contact_columns(), (contact_row(c) for c in chain((first,), rows)))


def _yearly(value: str) -> str:
    """A stored yearly date for people: 1990-05-17 as is, --05-17 as 05-17 (no year)."""
    return value[2:] + " (no year)" if value.startswith("--") else value


def contact_card_lines(c: Contact) -> list[tuple[str, str]]:
    """(label, value) pairs of a contact's card, in display order; empty ones left out."""
    pairs: list[tuple[str, str]] = [("ID", f"#{c.id}"), ("Name", c.name)]
    if c.given_name or c.family_name:
        pairs.append(("Full name", " ".join(p for p in (c.given_name, c.family_name) if p)))
    for label, value in (
        ("Nickname", c.nickname),
        ("Title", c.title),
        ("Company", c.company.name if c.company else None),
    ):
        if value:
            pairs.append((label, value))
    for label, items in (
        ("Email", c.emails),
        ("Phone", c.phones),
        ("Address", c.addresses),
        ("URL", c.urls),
    ):
        for item in items:
            pairs.append((label + (f" ({item.label})" if item.label else ""), item.value))
    for item in c.dates:
        pairs.append((f"Date ({item.label})" if item.label else "Date", _yearly(item.value)))
    if c.birthday:
        pairs.append(("Birthday", _yearly(c.birthday)))
    if c.tags:
        pairs.append(("Tags", ", ".join(c.tags)))
    for label, value in (("Stage", c.stage), ("Source", c.source)):
        if value:
            pairs.append((label, value))
    if c.cadence_days:
        pairs.append(("Keep in touch", f"every {c.cadence_days} days"))
    for name, value in sorted(c.custom.items()):
        pairs.append((name, value))
    if c.notes:
        pairs.append(("Notes", c.notes))
    if c.archived:
        pairs.append(("Archived", "yes"))
    pairs.append(("Created", local_time(c.created_at)))
    pairs.append(("Updated", local_time(c.updated_at)))
    return pairs


def print_card(
    title: str,
    pairs: Sequence[tuple[str, str]],
    *,
    terminal: bool | None = None,
    file: IO[str] | None = None,
) -> None:
    if terminal is None:
        terminal = file is None and stdout_is_terminal()
    if not terminal:
        width = max((_width(label) for label, _ in pairs), default=0)
        out = file or sys.stdout
        for label, value in pairs:
            text = visible(value, one_line=False).replace("\n", "\n" + " " * (width + 2))
            head = f"{visible(label)}:" if label else ""
            print(f"{head}{' ' * (width + 2 - _width(head))}{text}", file=out)
        return
    from minicrm.ui.screen import write_card

    write_card(title, pairs, out=file or sys.stdout)


def print_contact(c: Contact, fmt: str) -> None:
    if fmt == "json":
        write_json(c.to_dict())
    else:
        print_card(c.name, contact_card_lines(c))


# -- companies --------------------------------------------------------------------------


def _company_columns() -> tuple[Any, ...]:
    from minicrm.ui.screen import Column

    return (
        Column("id", whole=True),
        Column("name", least=12),
        Column("domain", whole=True, drop=2),
        Column("contacts", whole=True, drop=1, right=True),
    )


def print_companies(items: Sequence[Company], fmt: str, *, raw: bool = False) -> None:
    if fmt == "json":
        write_json([c.to_dict() for c in items])
    elif fmt in ("csv", "tsv"):
        write_delimited(
            ("id", "uid", "name", "domain", "notes", "contact_count", "created_at", "updated_at"),
            (
                [
                    c.id,
                    c.uid,
                    c.name,
                    c.domain,
                    c.notes,
                    c.contact_count,
                    c.created_at,
                    c.updated_at,
                ]
                for c in items
            ),
            tsv=fmt == "tsv",
            raw=raw,
        )
    elif not items:
        nothing("No companies yet.")
    else:
        print_table(
            _company_columns(), [[c.id, c.name, c.domain or "", c.contact_count] for c in items]
        )


def print_company(company: Company, members: Sequence[Contact], fmt: str) -> None:
    if fmt == "json":
        data = company.to_dict()
        data["contacts"] = [{"id": m.id, "uid": m.uid, "name": m.name} for m in members]
        write_json(data)
        return
    pairs = [("ID", f"#{company.id}"), ("Name", company.name)]
    if company.domain:
        pairs.append(("Domain", company.domain))
    if company.notes:
        pairs.append(("Notes", company.notes))
    pairs += [(("Contacts" if i == 0 else ""), f"#{m.id} {m.name}") for i, m in enumerate(members)]
    pairs += [
        ("Created", local_time(company.created_at)),
        ("Updated", local_time(company.updated_at)),
    ]
    print_card(company.name, pairs)


class Progress:
    """A progress bar on stderr when a person watches a terminal; silent otherwise."""

    def __init__(self, description: str) -> None:
        self.description = description
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        import sys as _sys

        if _sys.stderr.isatty() and stdout_is_terminal():
            from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(  # the label is data (a file name): never markup
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                console=_console(_sys.stderr),
                transient=True,
            )
            self._bar.start()
        return self

    @property
    def shown(self) -> bool:
        """Is a bar on the screen (so work done only to feed it is worth doing)?"""
        return self._bar is not None

    def update(self, done: int, total: int | None) -> None:
        if self._bar is None:
            return
        if self._task is None:
            self._task = self._bar.add_task(visible(self.description), total=total)
        self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _marked(text: str, highlights: Sequence[tuple[int, int]], terminal: bool) -> str:
    """A snippet with its matches in bold on a terminal, between [ ] in plain output."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for start, end in highlights:
        pieces += [(text[last:start], False), (text[start:end], True)]
        last = end
    pieces.append((text[last:], False))
    if not terminal:
        return "".join(f"[{visible(p)}]" if hit else visible(p) for p, hit in pieces)
    from minicrm.ui.screen import screen

    scr = screen()
    return "".join(scr.paint(visible(p), "bold") if hit else visible(p) for p, hit in pieces)


def print_search_results(results: Sequence[Any]) -> None:
    """Each contact (best first) with where it matched, the match highlighted."""
    terminal = stdout_is_terminal()
    if terminal:
        from minicrm.ui.screen import screen, write_wrapped

        scr = screen()
    for result in results:
        who = f"#{result.contact.id} {result.contact.name}" if result.contact else "(no contact)"
        for hit in [None, *result.hits]:
            if hit is None:
                text = scr.paint(visible(who), "bold") if terminal else visible(who)
            else:
                label = f"  {hit.kind} #{hit.id}: " if hit.kind != "contact" else "  "
                snippet = _marked(hit.text.replace("\n", " "), hit.highlights, terminal)
                text = visible(label) + snippet
            if terminal:  # wrapped at spaces, not wherever the terminal's edge falls
                write_wrapped(text, scr=scr, shown=True)
            else:
                print(text)
