"""A message body as a short excerpt: HTML to text, quoted replies and signatures cut.

The standard library is enough here: ``html.parser`` reads HTML as leniently as a
browser (never raising on broken markup), and what a reply quotes is recognisable by its
first line (``> ``, "On … wrote:", "-----Original Message-----", an Outlook header
block). The excerpt is what the person wrote at the top; the rest is history that
another message already holds.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = {"script", "style", "head", "title", "blockquote", "template"}
_BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}
_ATTRIBUTION = re.compile(
    r"^(?:on\b.*\bwrote:?|am\b.*\bschrieb.*:|le\b.*\ba écrit\s*:|el\b.*\bescribió:"
    r"|op\b.*\bschreef.*:|il\b.*\bha scritto:)$",
    re.IGNORECASE,
)
_CUT_LINES = re.compile(
    r"^(?:-{2,}\s*(?:original message|forwarded message|ursprüngliche nachricht)\s*-{2,}"
    r"|_{8,}|sent from my \w+|get outlook for \w+|begin forwarded message:)",
    re.IGNORECASE,
)
_HEADER_BLOCK = re.compile(r"^(?:from|von|de):\s.+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.size = 0
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        cls = dict(attrs).get("class") or ""
        if tag == "div" and ("gmail_quote" in cls or "moz-cite-prefix" in cls):
            self.stopped = True  # the rest of the message is the quoted one

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping and not self.stopped and self.size < 200_000:
            self.parts.append(data)
            self.size += len(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, quoted parts (blockquote, Gmail's and
    Thunderbird's quote blocks) and scripts left out. Never raises."""
    parser = _TextOf()
    try:
        parser.feed(html[:1_000_000])
        parser.close()
    except Exception:  # html.parser is lenient; this is a last guard
        pass
    return "".join(parser.parts)


def own_lines(text: str) -> list[str]:
    """The lines the writer wrote: up to a signature ("-- "), an attribution ("On … wrote:"),
    a forwarded or original message, or a quoted header block; quoted lines dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines[:5000]):
        stripped = line.strip()
        if line.rstrip("\n") in ("-- ", "--") or stripped == "-- ":
            break
        if _CUT_LINES.match(stripped):
            break
        if _ATTRIBUTION.match(stripped):
            break
        if stripped.lower().startswith(("on ", "am ", "le ")) and index + 1 < len(lines):
            joined = f"{stripped} {lines[index + 1].strip()}"
            if _ATTRIBUTION.match(joined) and not _ATTRIBUTION.match(lines[index + 1].strip()):
                break
        if _HEADER_BLOCK.match(stripped) and index + 1 < len(lines):
            following = " ".join(s.strip().lower() for s in lines[index + 1 : index + 4])
            if any(k in following for k in ("sent:", "date:", "to:", "gesendet:", "envoyé")):
                break
        if stripped.startswith(">"):
            continue
        kept.append(stripped)
    return kept


def excerpt(text: str, limit: int) -> str:
    """The first ``limit`` characters of what was written, whitespace collapsed, cut at a
    word with "…" when longer. 0: nothing."""
    if limit <= 0:
        return ""
    words = " ".join(_CONTROL.sub(" ", " ".join(own_lines(text[:500_000]))).split())
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"
