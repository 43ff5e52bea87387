"""What a person sees at a terminal: tables and cards, drawn without Rich and as the rows
come (the terminal itself is :mod:`minicrm.ui.terminal`, the pipeline board
:mod:`minicrm.ui.board`).

A table takes its column widths from the header and a bounded sample of the first rows
(:data:`SAMPLE`), then streams the rest: the first screen of a 100,000-contact list is
out before the last row is read, and a row costs about what the plain (piped) path costs
(Rich's tables cost far more a row and must see every row first).

Columns have priorities (:class:`Column`): ids, dates, emails and amounts are shown whole
or not at all; other text is shortened with an ellipsis, down to a least width; when even
that does not fit, the columns that matter least drop out and a footer names them. Below
that (e.g. 20 columns) each row becomes ``column: value`` lines. Colour marks what needs
attention (overdue red, due today yellow, done dim) on a colour terminal only: never with
``NO_COLOR``, never on ``TERM=dumb`` (which gets no escape code at all, bold included),
never in a pipe (the plain path in :mod:`minicrm.ui.render` does not come here).

Every string drawn here — cells, headers, titles, labels — goes through
:func:`minicrm.ui.text.visible` first.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import IO

from minicrm.ui.terminal import Screen, cut, screen, wrap
from minicrm.ui.text import text_width, visible

SAMPLE = 200  # rows a table's widths are taken from; later rows are fitted to them


GAP = 2  # spaces between columns


SQUEEZED = 8  # the narrowest text gets before the columns that matter most drop out


NARROWEST_VALUE = 16  # a card narrower than this for values puts each value under its label


BATCH = 64  # rows written at once


class Styled(str):
    """A value with a style for a colour terminal: ``red``, ``yellow``, ``dim`` or
    ``bold``. Everywhere else (pipes, JSON, NO_COLOR) it is just its text."""

    style: str

    def __new__(cls, text: object, style: str) -> Styled:
        made = super().__new__(cls, "" if text is None else str(text))
        made.style = style
        return made


class Brief(str):
    """A whole value with a shorter form for a column too narrow for it: a contact's
    phone and email, or just the first of them. Everywhere else it is the full text."""

    brief: str

    def __new__(cls, text: object, brief: str) -> Brief:
        made = super().__new__(cls, "" if text is None else str(text))
        made.brief = brief
        return made


def styled_row(values: Sequence[object], style: str | None) -> list[object]:
    """Every cell of a row in one style (a done follow-up: dim)."""
    if not style:
        return list(values)
    return [Styled(v, style) if v not in (None, "") else v for v in values]


class Column:
    """How a column behaves when the terminal is narrow. (Plain classes here rather than
    dataclasses: the renderers import this module on the piped path too, and defining a
    dataclass costs start-up.)"""

    __slots__ = ("drop", "least", "name", "right", "whole")

    def __init__(
        self,
        name: str,
        *,
        whole: bool = False,  # shown whole or not at all: ids, dates, emails, amounts
        drop: int = 0,  # 0: always shown; on a narrow terminal the highest numbers go first
        right: bool = False,  # right-aligned (counts, amounts)
        least: int = 12,  # text is shortened with an ellipsis down to this many cells (to
        # SQUEEZED before a drop-1 column goes)
    ) -> None:
        self.name = name
        self.whole = whole
        self.drop = drop
        self.right = right
        self.least = least


def column(spec: str | Column) -> Column:
    return spec if isinstance(spec, Column) else Column(spec)


Cell = tuple[str, str | None, str | None]  # text, style, brief form


def _cells(row: Sequence[object]) -> list[Cell]:
    return [
        (visible(v), getattr(v, "style", None), visible(v.brief) if type(v) is Brief else None)
        for v in row
    ]


def _plan(
    columns: Sequence[Column],
    heads: Sequence[str],
    natural: Sequence[int],
    narrowest: Sequence[int],
    total: int,
) -> tuple[list[int], dict[int, int], list[int]] | None:
    """Which columns are shown, how wide each is, which dropped out; None when even the
    columns that never drop do not fit. ``narrowest``: a whole column's width with its
    values in their brief forms."""

    def least(i: int) -> int:
        c = columns[i]
        if c.whole:
            return narrowest[i]
        floor = max(c.least if not squeezed else min(c.least, SQUEEZED), text_width(heads[i]))
        return min(natural[i], floor)

    # First the low-value columns (drop >= 2) give way while text keeps a comfortable
    # width; then text is squeezed and the rest (drop 1) may go; then records.
    shown = list(range(len(columns)))
    dropped: list[int] = []
    squeezed = False
    while True:
        need = sum(least(i) for i in shown) + GAP * (len(shown) - 1)
        if need <= total:
            break
        candidates = [i for i in shown if columns[i].drop >= (1 if squeezed else 2)]
        if candidates:
            victim = max(candidates, key=lambda i: (columns[i].drop, i))
            shown.remove(victim)
            dropped.append(victim)
        elif not squeezed:
            squeezed = True
        else:
            return None
    widths = {i: least(i) for i in shown}
    spare = total - need
    order = sorted(shown, key=lambda i: (columns[i].drop, i))
    for i in order:  # whole values in their full form (a phone and an email), if room
        if columns[i].whole and 0 < natural[i] - widths[i] <= spare:
            spare -= natural[i] - widths[i]
            widths[i] = natural[i]
    # Then shortened text, like water filling a basin: all grow together, a short one is
    # soon whole (a name), the long ones share the rest.
    while spare > 0:
        growing = [i for i in order if not columns[i].whole and widths[i] < natural[i]]
        if not growing:
            break
        step = max(1, spare // len(growing))
        for i in growing:
            grow = min(step, natural[i] - widths[i], spare)
            widths[i] += grow
            spare -= grow
    return shown, widths, sorted(dropped)


class _Layout:
    def __init__(
        self,
        columns: Sequence[Column],
        shown: list[int],
        widths: dict[int, int],
        scr: Screen,
    ) -> None:
        self.columns = columns
        self.shown = shown
        self.widths = widths
        self.screen = scr

    def line(self, cells: Sequence[Cell]) -> str:
        parts = []
        last = len(self.shown) - 1
        debt = 0  # cells a whole value took beyond its column, paid back by text to its right
        for k, i in enumerate(self.shown):
            text, style, brief = cells[i]
            spec = self.columns[i]
            width = self.widths[i]
            size = text_width(text)
            if brief is not None and size > width:
                text, size = brief, text_width(brief)
            if not spec.whole and debt:
                give = min(debt, max(width - spec.least, 0))
                width -= give
                debt -= give
            if size > width:
                if spec.whole:
                    debt += size - width
                    width = size
                else:
                    text = cut(text, width, self.screen.ellipsis)
                    size = text_width(text)
            pad = " " * (width - size)
            text = self.screen.paint(text, style)
            if spec.right:
                parts.append(pad + text)
            elif k == last:
                parts.append(text)
            else:
                parts.append(text + pad)
        return (" " * GAP).join(parts).rstrip()


def write_table(
    columns: Sequence[str | Column],
    rows: Iterable[Sequence[object]],
    *,
    title: str | None = None,
    out: IO[str] | None = None,
    scr: Screen | None = None,
) -> None:
    """A table fitted to the terminal, written as the rows come."""
    out = out or sys.stdout
    scr = scr or screen(out)
    specs = [column(c) for c in columns]
    heads = [visible(c.name) for c in specs]
    source: Iterator[Sequence[object]] = iter(rows)
    sample = [_cells(row) for row in islice(source, SAMPLE)]
    natural = [
        max([text_width(h), *(text_width(r[i][0]) for r in sample)]) for i, h in enumerate(heads)
    ]
    narrowest = [
        max([text_width(h), *(text_width(r[i][2] or r[i][0]) for r in sample)])
        for i, h in enumerate(heads)
    ]
    if title:
        out.write("\n" + scr.paint(visible(title), "bold") + "\n")
    plan = _plan(specs, heads, natural, narrowest, scr.width)
    if plan is None:
        _write_records(specs, heads, sample, source, out, scr)
        return
    shown, widths, dropped = plan
    layout = _Layout(specs, shown, widths, scr)
    head: list[Cell] = [(h, "bold", None) for h in heads]
    out.write(layout.line(head) + "\n")
    batch = [layout.line(cells) for cells in sample]
    if batch:
        out.write("\n".join(batch) + "\n")
    while True:
        batch = [layout.line(_cells(row)) for row in islice(source, BATCH)]
        if not batch:
            break
        out.write("\n".join(batch) + "\n")
    if dropped:
        names = ", ".join(heads[i] for i in dropped)
        note = f"Not shown at {scr.width} columns: {names}."
        out.write("\n".join(scr.paint(t, "dim") for t in wrap(note, scr.width)) + "\n")


def _write_records(
    specs: Sequence[Column],
    heads: Sequence[str],
    sample: list[list[Cell]],
    rest: Iterator[Sequence[object]],
    out: IO[str],
    scr: Screen,
) -> None:
    """Each row as ``column: value`` lines, for a terminal too narrow for the table."""

    def records() -> Iterator[list[Cell]]:
        yield from sample
        for row in rest:
            yield _cells(row)

    for number, cells in enumerate(records()):
        lines = [""] if number else []
        for head, (text, style, _) in zip(heads, cells, strict=True):
            if not text:
                continue
            label = f"{head}: " if head else ""
            first, *more = wrap(label + text, scr.width) if label else wrap(text, scr.width)
            if label and first.startswith(label):
                first = (
                    scr.paint(label.rstrip(), "bold") + " " + scr.paint(first[len(label) :], style)
                )
            else:
                first = scr.paint(first, style)
            lines.append(first)
            lines += [scr.paint(m, style) for m in more]
        out.write("\n".join(lines) + "\n")


# -- cards ----------------------------------------------------------------------------

# top-left, horizontal, top-right, vertical, bottom-left, bottom-right
_BOX = ("╭", "─", "╮", "│", "╰", "╯")
_ASCII_BOX = ("+", "-", "+", "|", "+", "+")


def write_card(
    title: str,
    pairs: Sequence[tuple[str, object]],
    *,
    out: IO[str] | None = None,
    scr: Screen | None = None,
) -> None:
    """A boxed card: labels on the left, values beside them, wrapped at spaces (never
    cut); on a terminal too narrow for both, each value goes under its label."""
    out = out or sys.stdout
    scr = scr or screen(out)
    tl, h, tr, v, bl, br = _BOX if scr.unicode else _ASCII_BOX
    labels = [f"{visible(label)}:" if label else "" for label, _ in pairs]
    values = [visible(value, one_line=False).expandtabs(4) for _, value in pairs]
    label_width = max((text_width(x) for x in labels), default=0)
    value_width = max(
        (text_width(part) for value in values for part in value.split("\n")), default=0
    )
    inner = min(label_width + GAP + value_width, scr.width - 4)
    stacked = inner - label_width - GAP < min(NARROWEST_VALUE, value_width)
    rows: list[tuple[str, str]] = []  # (label, value text) per line inside the box
    if stacked:
        inner = max(min(max(label_width, value_width + 2), scr.width - 4), 1)
        indent = 0
        for label, value in zip(labels, values, strict=True):
            if label:
                rows.append((label, ""))
            rows += [("", "  " + piece) for piece in wrap(value, inner - 2)]
    else:
        indent = label_width + GAP
        for label, value in zip(labels, values, strict=True):
            pieces = wrap(value, inner - indent)
            rows += [(label if n == 0 else "", piece) for n, piece in enumerate(pieces)]
    name = cut(visible(title), max(inner - 1, 1), scr.ellipsis)
    lines = [f"{tl}{h} {scr.paint(name, 'bold')} " + h * max(inner - text_width(name) - 1, 0) + tr]
    for label, text in rows:
        if label and stacked:
            used, shown = text_width(label), scr.paint(label, "bold")
        else:
            gap = " " * max(indent - text_width(label), 0)
            used, shown = indent + text_width(text), scr.paint(label, "bold") + gap + text
        lines.append(f"{v} {shown}{' ' * max(inner - used, 0)} {v}")
    lines.append(bl + h * (inner + 2) + br)
    out.write("\n".join(lines) + "\n")
