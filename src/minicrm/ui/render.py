"""What people read: messages on stderr, lines, tables and cards. In a pipe or a file,
plain aligned text; at a terminal, fitted to its width through :mod:`minicrm.ui.screen`.
Every string passes :func:`minicrm.ui.text.visible` first. Output for programs (JSON,
CSV, TSV) is :mod:`minicrm.ui.machine`; the progress bar (Rich) :mod:`minicrm.ui.progress`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import IO, Any

from minicrm.ui.text import stdout_is_terminal, text_width, visible

# -- messages (stderr) ------------------------------------------------------------------


def message(text: str) -> None:
    """A line for the user on stderr (confirmations go to stdout via :func:`line`)."""
    pager = sys.modules.get("minicrm.ui.pager")
    if pager is not None:  # what a listing holds back comes first
        pager.release()
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
    from minicrm.core import dates  # lazy: start-up

    return dates.local_datetime(stamp).strftime("%Y-%m-%d %H:%M")


# -- tables -----------------------------------------------------------------------------


def plain_table(columns: Sequence[Any], rows: Sequence[Sequence[object]]) -> str:
    """Aligned columns, nothing truncated, no control codes: for pipes and files."""
    heads = [visible(getattr(c, "name", c)) for c in columns]
    cells = [heads] + [[visible(v) for v in row] for row in rows]
    last = len(columns) - 1  # the last column is not padded: its widths are not needed
    # (plain ASCII, nearly every cell, is its length: no call per cell for it)
    sizes = [[len(c) if c.isascii() else text_width(c) for c in r[:last]] for r in cells]
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
    from minicrm.ui.screen import write_table  # lazy: start-up

    write_table(columns, rows, title=title, out=file or sys.stdout)


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
        width = max((text_width(label) for label, _ in pairs), default=0)
        out = file or sys.stdout
        for label, value in pairs:
            text = visible(value, one_line=False).replace("\n", "\n" + " " * (width + 2))
            head = f"{visible(label)}:" if label else ""
            print(f"{head}{' ' * (width + 2 - text_width(head))}{text}", file=out)
        return
    from minicrm.ui.screen import write_card  # lazy: start-up

    write_card(title, pairs, out=file or sys.stdout)
