"""Text that reaches a screen: escaping (:func:`visible`), the cells a string takes on a
terminal (:func:`text_width`), and whether standard output is a terminal.

User data is never markup and never steers a terminal: every string that reaches a
screen (cells, headers, titles, labels, prompts, progress labels) is first passed through
:func:`visible`, which turns control, bidi and invisible characters into visible escapes.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import IO

# What must never reach a terminal as it is (docs/reliability.md, "Escapes"): C0 (but
# newline and tab, handled per use), DEL and C1 controls; the whole Bidi_Control class
# (U+061C, U+200E/F, U+202A-E, U+2066-9), which reorders what follows; line and paragraph
# separators; and characters a terminal draws as nothing, which make two different names
# look alike or hide text: the soft hyphen, U+200B, U+2060-206F, U+FEFF, U+FFF0-FFFB, the
# Hangul fillers U+3164/U+FFA0, musical beam controls, tag characters (except inside an
# emoji flag such as England's) and lone surrogates. Kept: ZWJ and ZWNJ (emoji sequences,
# Persian and Indic text), variation selectors, combining marks and the format marks of
# particular scripts (Arabic number signs, Mongolian, Kaithi, Egyptian, shorthand).
INVISIBLE = (
    "\x7f-\x9f\xad\u061c\u200b\u200e\u200f\u202a-\u202e\u2028\u2029\u2060-\u206f"
    "\u3164\ufeff\uffa0\ufff0-\ufffb\ud800-\udfff\U0001d173-\U0001d17a"
    "\U000e0000-\U000e00ff\U000e01f0-\U000e0fff"
)
FLAG = "\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"  # a subdivision flag: kept whole
_UNSAFE = re.compile(f"{FLAG}|[\\x00-\\x08\\x0b-\\x1f{INVISIBLE}]")
_UNSAFE_LINE = re.compile(f"{FLAG}|[\\x00-\\x1f{INVISIBLE}]")


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


def text_width(text: str) -> int:
    """Terminal cells ``text`` takes: wide East Asian characters count two, combining
    marks none. Plain ASCII (nearly every cell) is its length, without a per-character
    Unicode lookup: that lookup was most of the time `due` spent drawing."""
    if text.isascii():
        return len(text)
    known = _CHAR_WIDTHS
    width = 0
    for ch in text:
        cells = known.get(ch)
        if cells is None:
            cells = known[ch] = _char_width(ch)
        width += cells
    return width


# each character's cells, once per process: a listing repeats the same few accented
# letters thousands of times (two Unicode lookups each: docs/performance.md)
_CHAR_WIDTHS: dict[str, int] = {}


def _char_width(ch: str) -> int:
    if zero_width(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def zero_width(ch: str) -> bool:
    """Drawn without a cell of its own: combining marks, zero-width joiners, variation
    selectors, emoji skin tones and tag characters (those of a flag)."""
    return bool(unicodedata.combining(ch)) or (
        ch in "\u200b\u200c\u200d"
        or "\ufe00" <= ch <= "\ufe0f"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
        or "\U000e0000" <= ch <= "\U000e01ef"
    )
