"""The terminal itself: its size, whether it takes colour, bold and Unicode
(:class:`Screen`), painting a string in a style, and cutting and wrapping text to a width
in terminal cells (never inside a grapheme cluster).
"""

from __future__ import annotations

import os
import re
import sys
from typing import IO

from minicrm.ui.text import text_width, visible, zero_width

_SGR = {
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "red": "\x1b[31m",
    "yellow": "\x1b[33m",
    "red bold": "\x1b[1;31m",
}


_RESET = "\x1b[0m"


_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")


class Screen:
    """What the output goes to: its size, and which escape codes and characters it takes."""

    __slots__ = ("bold", "colour", "height", "unicode", "width")

    def __init__(self, *, width: int, height: int, bold: bool, colour: bool, unicode: bool):
        self.width = width
        self.height = height
        self.bold = bold  # any escape code at all (not on TERM=dumb)
        self.colour = colour  # red, yellow, dim (not with NO_COLOR either)
        self.unicode = unicode  # "…" and box lines, or "..." and ASCII

    @property
    def ellipsis(self) -> str:
        return "…" if self.unicode else "..."

    def paint(self, text: str, style: str | None) -> str:
        if not style or not text or not self.bold:
            return text
        if style != "bold" and not self.colour:
            return text
        return _SGR.get(style, "") + text + _RESET


def _size(name: str, index: int, fallback: int) -> int:
    value = os.environ.get(name, "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    for stream in (sys.__stdout__, sys.__stderr__, sys.__stdin__):
        try:
            return os.get_terminal_size(stream.fileno())[index]  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            continue
    return fallback


def screen(file: IO[str] | None = None) -> Screen:
    """The terminal output goes to: its size ($COLUMNS and $LINES win, as in curses), and
    what it may be sent."""
    term = os.environ.get("TERM", "").lower()
    styles = term not in ("dumb", "unknown")
    encoding = (getattr(file or sys.stdout, "encoding", None) or "").lower().replace("-", "")
    return Screen(
        width=max(_size("COLUMNS", 0, 80), 1),
        height=max(_size("LINES", 1, 24), 2),
        bold=styles,
        colour=styles and not os.environ.get("NO_COLOR"),
        unicode=encoding in ("utf8", "utf_8"),
    )


def _clusters(text: str) -> list[str]:
    """``text`` as what a terminal draws as one: a character with its combining marks,
    variation selectors, skin tone or flag tags, and emoji joined by ZWJ. Text is cut
    between these, never inside (a flag cut in two leaves invisible tag characters)."""
    clusters: list[str] = []
    for ch in text:
        if clusters and (zero_width(ch) or clusters[-1].endswith("\u200d")):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def cut(text: str, width: int, ellipsis: str = "…") -> str:
    """``text`` in at most ``width`` cells, ending in an ellipsis if it was shortened."""
    if text_width(text) <= width:
        return text
    room = width - len(ellipsis)
    if room <= 0:
        return ellipsis[:width]
    if text.isascii():
        return text[:room].rstrip() + ellipsis
    kept, used = [], 0
    for cluster in _clusters(text):
        used += text_width(cluster)
        if used > room:
            break
        kept.append(cluster)
    return "".join(kept).rstrip() + ellipsis


def _fold(word: str, width: int) -> list[str]:
    """A word longer than a whole line, in pieces of ``width`` cells (the last resort)."""
    pieces, piece, used = [], "", 0
    for cluster in _clusters(word):
        size = text_width(cluster)
        if used + size > width and piece:
            pieces.append(piece)
            piece, used = "", 0
        piece += cluster
        used += size
    return [*pieces, piece] if piece else pieces


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at spaces only; a word is cut
    only when it is longer than a line. Newlines in ``text`` are kept. No-break spaces
    (U+00A0) hold figures together ("1,200.00 USD") and come out as spaces."""
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current, used, started = "", 0, False
        for word in paragraph.split(" "):
            size = text_width(strip_styles(word) if "\x1b" in word else word)
            if started and used + 1 + size <= width:
                current, used = f"{current} {word}", used + 1 + size
                continue
            if started:
                lines.append(current)
            if size <= width:
                current, used = word, size
            else:
                *full, current = _fold(word, width) or [""]
                lines += full
                used = text_width(current)
            started = True
        lines.append(current)
    return [line.replace("\xa0", " ") for line in lines]


def write_wrapped(
    text: str, *, out: IO[str] | None = None, scr: Screen | None = None, shown: bool = False
) -> None:
    """A paragraph wrapped to the terminal at spaces (U+00A0 holds a figure together);
    lines after the first are indented two more than the first. ``shown``: the text is
    already visible() (and may carry this module's styles)."""
    out = out or sys.stdout
    scr = scr or screen(out)
    drawn = text if shown else visible(text, one_line=False)
    indent = " " * (len(drawn) - len(drawn.lstrip(" ")) + 2)
    first, *rest = wrap(drawn, scr.width) or [""]
    if rest:
        rest = wrap(" ".join(r.strip() for r in rest), max(scr.width - len(indent), 1))
    out.write("\n".join([first, *(indent + r for r in rest)]) + "\n")


def strip_styles(text: str) -> str:
    """``text`` without the escape codes this module adds (for measuring)."""
    return _ESCAPES.sub("", text)
