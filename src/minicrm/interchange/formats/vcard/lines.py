"""vCard content lines: splitting a text into cards, reading a card's lines (unfolding,
parameters, quoted-printable, unescaping) and writing one line (escaping, folding).

See :mod:`minicrm.interchange.formats.vcard` for what is read and written and why.
"""

from __future__ import annotations

import binascii
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from minicrm.interchange.incoming import Meter

MAX_DEPTH = 20
PRODID = "-//minicrm//EN"
VERSIONS = ("3.0", "4.0")

_BREAK = re.compile(r"\r\n|\r|\n")
_BEGIN_END = re.compile(
    r"(?:[A-Za-z0-9_-]+\.)?(BEGIN|END)[ \t]*:[ \t]*([A-Za-z0-9_-]*)[ \t]*", re.I
)
ANY_VCARD = re.compile(
    r"(?:\A|[\r\n])\ufeff?(?:[A-Za-z0-9_-]+\.)?BEGIN[ \t]*:[ \t]*VCARD[ \t]*(?:[\r\n]|\Z)", re.I
)
_QP_PARAM = re.compile(r"^[^ \t:][^:]*;(?:ENCODING[ \t]*=[ \t]*)?QUOTED-PRINTABLE[;:,]", re.I)

# A content line as vobject's parser reads it, checked first with a pattern that cannot
# backtrack: vobject.base.parseLine takes seconds to minutes to *fail* on a line such as
# "X;A=,a,a,a,...,a" (nested repetition in its parameter regex).
_NAME = r"[A-Za-z0-9_-]+"
_PVALUE = r'(?:"[^"]*"|[^";:,]*)'
_SAFE_LINE = re.compile(rf"(?:{_NAME}\.)?{_NAME};?(?:;{_NAME}(?:={_PVALUE}(?:,{_PVALUE})*)?)*+:")

ESCAPABLE = '\\;,Nn":'  # vobject's list plus ':' (Apple and Google write "http\://")


class CardError(Exception):
    """This card cannot be read; the message says why."""


FALLBACK_CHARSET = "cp1252"  # what old phones wrote when they did not say (Western Europe)


def decode_value(data: bytes, charset: str | None, encoding: str | None = None) -> str:
    """A value's bytes (quoted-printable decoded, or 8-bit text that is not UTF-8) as
    text: in the property's ``CHARSET`` when it has one, else in ``encoding`` (the import's
    ``--encoding``), else UTF-8, and when that fails cp1252 (latin-1 for the five bytes
    cp1252 leaves undefined). Raises LookupError or UnicodeDecodeError only for a
    ``CHARSET`` or ``encoding`` that is unknown or does not fit the bytes."""
    if charset or encoding:
        return data.decode(charset or encoding or "")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode(FALLBACK_CHARSET)
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _raw_bytes(value: str) -> bytes | None:
    """The bytes of a value holding bytes that were not UTF-8 (decoded from the file with
    ``surrogateescape``), or None for a value that is all text."""
    if value.isascii():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")
    return None


def _charset(params: dict[str, list[str]]) -> str | None:
    for key, values in params.items():
        if key.upper() == "CHARSET" and values:
            return values[0]
    return None


@dataclass
class _Chunk:
    number: int
    line: int  # where BEGIN:VCARD is, from 1
    lines: list[str]
    error: str | None = None


@dataclass
class CardProp:
    """One property of a card, as read by :func:`read_props`."""

    line: Any  # vobject.base.ContentLine, still escaped (quoted-printable decoded)
    qp: bool  # the value was quoted-printable (2.1): plain text, not escaped

    @property
    def name(self) -> str:
        return self.line.name

    @property
    def group(self) -> str | None:
        return self.line.group


def describe_error(exc: BaseException) -> str:
    """Why a card could not be read, in at most 200 characters."""
    message = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    return str(message)[:200]


def _excerpt(line: str) -> str:
    return repr(line[:60] + ("..." if len(line) > 60 else ""))


def split_cards(
    text: str, meter: Meter | None = None, base: int = 0
) -> Iterator[_Chunk | tuple[int, str]]:
    """Cards (BEGIN:VCARD .. its END at depth 0) and stray text (line number, excerpt)."""
    # a byte order mark inside the text: files joined with cat
    lines = [line.removeprefix("\ufeff") for line in _BREAK.split(text)]
    total = len(lines)
    number = 0
    i = 0
    while i < total:
        if meter is not None:
            meter.done = base + len(text) * i // total
        line = lines[i]
        if _is_begin_vcard(line):
            number += 1
            start = i
            depth = 0
            error = None
            card: list[str] = []
            while i < total:
                line = lines[i]
                match = _BEGIN_END.fullmatch(line)
                if match:
                    line = line.strip()
                    if match.group(1).upper() == "BEGIN":
                        depth += 1
                        if depth > MAX_DEPTH and error is None:
                            error = f"nested more than {MAX_DEPTH} levels deep"
                    else:
                        depth -= 1
                if error is None:
                    card.append(line)
                i += 1
                if depth == 0:
                    break
            if depth > 0 and error is None:
                error = "END:VCARD is missing (the card runs to the end of the file)"
            elif error is None and not card[-1].upper().endswith(":VCARD"):
                error = f"BEGIN:VCARD is closed by {card[-1]}"
            yield _Chunk(number, start + 1, card, error)
        elif line.strip():
            yield (i + 1, _excerpt(line.strip()))
            i += 1
            while i < total and not _is_begin_vcard(lines[i]):
                i += 1
        else:
            i += 1


def _is_begin_vcard(line: str) -> bool:
    match = _BEGIN_END.fullmatch(line)
    return bool(match and match.group(1).upper() == "BEGIN" and match.group(2).upper() == "VCARD")


class _Line:
    """A content line read by :func:`read_props_fast`: the attributes of vobject's
    ``ContentLine`` that this module reads, as vobject would have set them."""

    __slots__ = ("group", "name", "params", "singletonparams", "value")

    def __init__(
        self,
        name: str,
        group: str | None,
        value: str,
        params: dict[str, list[str]],
        singletonparams: list[str],
    ) -> None:
        self.name = name
        self.group = group
        self.value = value
        self.params = params
        self.singletonparams = singletonparams


def read_props(lines: list[str], encoding: str | None = None) -> list[CardProp]:
    """The card's content lines (its own BEGIN/END and any nested component left out).

    Most cards are read by :func:`read_props_fast`, which gives what vobject gives for
    the lines it accepts (vobject's ContentLine was most of a vCard import's time); a card with
    quoted-printable or a quoted parameter value goes through vobject.

    Values are decoded as :func:`decode_value` says (``encoding``: the import's
    ``--encoding``, for quoted-printable values without a ``CHARSET``)."""
    if not any(_QP_PARAM.match(line) for line in lines):
        props = read_props_fast(lines)
        if props is not None:
            return props
    return read_props_vobject(lines, encoding)


def _logical_lines(lines: list[str]) -> Iterator[str]:
    """The card's lines unfolded (a line starting with a space or a tab continues the one
    before, less that character), as vobject unfolds a card without quoted-printable."""
    current: list[str] | None = None
    for line in lines:
        if current is not None and line[:1] in (" ", "\t"):
            current.append(line[1:])
            continue
        if current is not None:
            yield "".join(current)
        current = [line]
    if current is not None:
        yield "".join(current)


def read_props_fast(lines: list[str]) -> list[CardProp] | None:
    """:func:`read_props_vobject` by hand, or None for a card it does not read the same
    way (a ``"`` before the value's colon, a quoted-printable parameter after unfolding):
    vobject then reads the whole card."""
    props: list[CardProp] = []
    depth = 0
    for logical in _logical_lines(lines):
        if not logical.strip():
            continue
        if not _SAFE_LINE.match(logical):
            raise CardError(f"cannot read the line {_excerpt(logical)}")
        colon = logical.index(":")
        prefix = logical[:colon]
        if '"' in prefix:
            return None
        head, *parts = prefix.split(";")
        group, _dot, name = head.rpartition(".")
        params: dict[str, list[str]] = {}
        singles: list[str] = []
        for part in parts:
            if not part:
                continue
            key, equals, values = part.partition("=")
            given = [v for v in values.split(",") if v] if equals else []
            if key.upper() == "QUOTED-PRINTABLE" or (
                key.upper() == "ENCODING" and any(v.upper() == "QUOTED-PRINTABLE" for v in given)
            ):
                return None
            if given:
                params.setdefault(key.upper(), []).extend(given)
            else:
                singles.append(key)
        upper = name.replace("_", "-").upper()
        if upper == "BEGIN":
            depth += 1
            continue
        if upper == "END":
            depth -= 1
            continue
        if depth == 1:
            value = logical[colon + 1 :]
            if (data := _raw_bytes(value)) is not None:
                value = _decoded(upper, data, _charset(params))
            line = _Line(upper, group or None, value, params, singles)
            props.append(CardProp(line, False))
    return props


def _decoded(name: str, data: bytes, charset: str | None, encoding: str | None = None) -> str:
    try:
        return decode_value(data, charset, encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise CardError(f"cannot decode {name}: {describe_error(exc)}") from None


def read_props_vobject(lines: list[str], encoding: str | None = None) -> list[CardProp]:
    """The card's content lines, read with vobject's line functions (quoted-printable
    decoded here, with :func:`decode_value`)."""

    from vobject.base import ContentLine, getLogicalLines, parseLine

    allow_qp = any(_QP_PARAM.match(line) for line in lines)
    props: list[CardProp] = []
    depth = 0
    for logical, _n in getLogicalLines(io.StringIO("\r\n".join(lines) + "\r\n"), allow_qp):
        if not logical.strip():
            continue
        if not _SAFE_LINE.match(logical):
            raise CardError(f"cannot read the line {_excerpt(logical)}")
        name, params, value, group = parseLine(logical)
        qp = False
        fixed = []
        for param in params:
            # the parameter is taken off, as vobject does when it decodes the value
            if len(param) == 1 and param[0].upper() == "QUOTED-PRINTABLE":
                qp = True
                continue
            if param[0].upper() == "ENCODING":
                values = [v for v in param[1:] if v.upper() != "QUOTED-PRINTABLE"]
                if len(values) < len(param) - 1:
                    qp = True
                    if not values:
                        continue
                param = [param[0], *values]
            fixed.append(param)
        upper = name.upper()
        try:
            line = ContentLine(name, fixed, value, group, encoded=True)
        except (LookupError, UnicodeDecodeError, ValueError) as exc:
            raise CardError(f"cannot decode {upper}: {describe_error(exc)}") from None
        charset = _charset(line.params)
        if qp:
            qp_bytes = binascii.a2b_qp(value.encode("utf-8", "surrogateescape"))
            text = _decoded(upper, qp_bytes, charset, encoding)
            line.value = text.replace("\r\n", "\n").replace("\r", "\n")
        elif (raw := _raw_bytes(line.value)) is not None:
            line.value = _decoded(upper, raw, charset)
        if upper == "BEGIN":
            depth += 1
            continue
        if upper == "END":
            depth -= 1
            continue
        if depth == 1:
            props.append(CardProp(line, qp))
    return props


def unescape_all(raw: str, separator: str | None) -> list[str]:
    """``raw`` split at unescaped ``separator`` (None: not split), each part unescaped, as
    vobject's ``stringToTextValues`` does (a trailing separator adds no empty part)."""
    if "\\" not in raw:  # nothing escaped: what vobject's character loop would give
        if separator is None:
            return [raw]
        parts = raw.split(separator)
        if len(parts) > 1 and not parts[-1]:
            parts.pop()
        return parts
    from vobject.icalendar import stringToTextValues

    if (len(raw) - len(raw.rstrip("\\"))) % 2:
        raw += "\\"  # a lone trailing backslash is kept (vobject would make it "\eof")
    return stringToTextValues(raw, listSeparator=separator, charList=ESCAPABLE)


def prop_text(prop: CardProp) -> str:
    """The value, unescaped (commas kept)."""
    return prop.line.value if prop.qp else unescape_all(prop.line.value, None)[0]


def prop_values(prop: CardProp) -> list[str]:
    """A comma-separated list (CATEGORIES, NICKNAME), each unescaped and stripped."""
    raw = prop.line.value
    items = raw.split(",") if prop.qp else unescape_all(raw, ",")
    return [item.strip() for item in items if item.strip()]


def prop_components(prop: CardProp) -> list[str]:
    """A structured value (N, ADR, ORG): split at unescaped semicolons, each part
    unescaped with its commas kept, stripped."""
    parts = split_structured(prop.line.value, escaped=not prop.qp)
    return [part.strip() for part in parts]


def split_structured(raw: str, *, escaped: bool = True) -> list[str]:
    """A structured value split at unescaped semicolons, each part unescaped with its
    commas kept (left as it is when not ``escaped``: a quoted-printable value)."""
    if "\\" not in raw:  # as below, without vobject's character loop
        parts = raw.split(";")
        if len(parts) > 1 and not parts[-1]:
            parts.pop()
        return parts
    from vobject.icalendar import stringToTextValues

    if (len(raw) - len(raw.rstrip("\\"))) % 2:
        raw += "\\"
    parts = stringToTextValues(raw, listSeparator=";", charList=";")
    return [unescape_all(part, None)[0] for part in parts] if escaped else parts


def prop_types(prop: CardProp) -> list[str]:
    """The property's TYPE values (and bare parameters, as 2.1 writes them), lower case."""
    found = []
    for value in prop.line.params.get("TYPE", []):
        found += [t.strip().lower() for t in value.split(",") if t.strip()]
    found += [s.strip().lower() for s in prop.line.singletonparams if s.strip()]
    return found


def serialize_prop(prop: CardProp) -> str:
    """The property as one unfolded vCard 3.0/4.0 line (2.1 specifics normalised)."""
    from vobject.base import ContentLine

    line = prop.line
    params: dict[str, list[str]] = {}
    base64 = False
    for key, values in line.params.items():
        if key == "CHARSET":
            continue
        if key == "ENCODING":
            kept = []
            for value in values:
                if value.upper() in ("B", "BASE64"):
                    base64 = True
                    kept.append("b")
                elif value.upper() not in ("7BIT", "8BIT", "QUOTED-PRINTABLE"):
                    kept.append(value)
            if not kept:
                continue
            values = kept
        params[key] = list(values)
    for single in line.singletonparams:
        if single.upper() == "BASE64":
            base64 = True
            params.setdefault("ENCODING", ["b"])
        elif single.upper() not in ("7BIT", "8BIT", "QUOTED-PRINTABLE"):
            params.setdefault("TYPE", []).append(single)
    value = line.value
    if prop.qp:
        value = value.replace("\n", "\\n")
    if base64:
        value = "".join(value.split())
    out = ContentLine(line.name, [], value, group=line.group, encoded=True)
    out.params = params
    return dump_line(out)


def dump_line(line: Any) -> str:
    """One content line, unfolded, without its line end."""
    from vobject.base import defaultSerialize

    return defaultSerialize(line, None, 1 << 62)[:-2]


def parse_content_line(line: str) -> tuple[str, list[list[str]], str, str | None] | None:
    """vobject's reading of one stored line, or None when it is not a content line."""
    from vobject.base import parseLine

    if "\r" in line or "\n" in line or not _SAFE_LINE.match(line):
        return None
    try:
        name, params, value, group = parseLine(line)
    except Exception:
        return None
    return name.upper(), params, value, group


def fold_line(line: str) -> str:
    """The line folded at 75 octets (a UTF-8 sequence is never split), CRLF-terminated.

    Not vobject.base.foldOneLine: it leaves a line of fewer than 75 characters unfolded
    however many octets it has."""
    if len(line.encode("utf-8")) <= 75:
        return line + "\r\n"
    if line.isascii():
        parts = [line[:75]] + [line[i : i + 74] for i in range(75, len(line), 74)]
        return "\r\n ".join(parts) + "\r\n"
    parts = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            parts.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n".join(parts) + "\r\n"
