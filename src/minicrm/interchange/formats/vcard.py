"""vCard in and out: 2.1, 3.0 and 4.0 are read; 3.0 or 4.0 are written.

Reading (:func:`parse_vcards`)
    The text is split into cards here, at BEGIN:VCARD/END:VCARD lines at nesting depth 1
    (nested BEGIN/END are counted; more than 20 levels is refused, without recursing). Each
    card is then read with vobject's line parser (unfolding, parameters, quoted-printable
    with its CHARSET) and vobject's unescaping, inside ``try/except Exception``: whatever
    goes wrong becomes a :class:`RecordError` for that card and reading goes on with the
    next. ``vobject.readOne``'s component layer is not used because it loses data: it splits
    every plain text value at an unescaped comma and keeps the first part (``FN:Doe, Jane``
    gives "Doe", a 4.0 ``PHOTO:data:image/jpeg;base64,...`` keeps "data:image/jpeg;base64"),
    turns a trailing backslash into ``\\eof``, base64-decodes any value with
    ``ENCODING=8BIT`` and recurses once per nested BEGIN. vobject's line regex backtracks
    exponentially on some malformed lines, so a line is checked by a linear pattern first.

    Values are as the card has them (the import domain validates them), with the vCard
    specifics normalised: labels from TYPE or from Apple's grouped ``X-ABLabel``; dates in
    the stored forms ``1990-05-17`` and ``--05-17`` (from ``19900517``, ``--0517``, a
    date-time, or Apple's ``X-APPLE-OMIT-YEAR``); a text birthday becomes
    ``custom["birthday_text"]`` and its line is kept, while an impossible date in a date's
    form (``2026-02-30``, a typo rather than a text) makes the card a RecordError;
    ``tel:``/``mailto:``/``urn:uuid:`` prefixes dropped. Control characters are passed on as the card has them (the import
    stores them, as it stores any text; display escapes them). Properties minicrm does not model are kept in ``vcard_extra`` as
    single unfolded lines, group and parameters included, so that they are written back.

Writing (:func:`to_vcard`, :func:`to_vcards`)
    One line at a time with vobject's escaping and parameter quoting, folded at 75 octets
    here (``vobject.base.foldOneLine`` does not fold a line shorter than 75 characters even
    when it is longer than 75 octets, e.g. 30 Korean letters), CRLF line ends. A label that
    is a standard TYPE for the property is written as one; any other label uses Apple's
    ``itemN.PROP`` + ``itemN.X-ABLabel:label``. In 3.0 a birthday without a year is
    written as Apple does, ``BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-17``; 4.0 uses RFC 6350's
    ``BDAY:--0517``. Anniversaries are ``ANNIVERSARY`` in 4.0 and Apple's ``X-ABDATE`` with
    the ``_$!<Anniversary>!$_`` label in 3.0; other labelled dates are ``X-ABDATE`` in both.

vobject is imported inside the functions: a heavy import that only import/export need.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from minicrm.contacts.models import Contact
from minicrm.core.errors import InvalidInput
from minicrm.interchange.incoming import Incoming, Meter, RecordError

MAX_DEPTH = 20
PRODID = "-//minicrm//EN"
VERSIONS = ("3.0", "4.0")

# -- reading ------------------------------------------------------------------------------

_BREAK = re.compile(r"\r\n|\r|\n")
_BEGIN_END = re.compile(
    r"(?:[A-Za-z0-9_-]+\.)?(BEGIN|END)[ \t]*:[ \t]*([A-Za-z0-9_-]*)[ \t]*", re.I
)
_ANY_VCARD = re.compile(
    r"(?:\A|[\r\n])\ufeff?(?:[A-Za-z0-9_-]+\.)?BEGIN[ \t]*:[ \t]*VCARD[ \t]*(?:[\r\n]|\Z)", re.I
)
_QP_PARAM = re.compile(r"^[^ \t:][^:]*;(?:ENCODING[ \t]*=[ \t]*)?QUOTED-PRINTABLE[;:,]", re.I)

# A content line as vobject's parser reads it, checked first with a pattern that cannot
# backtrack: vobject.base.parseLine takes seconds to minutes to *fail* on a line such as
# "X;A=,a,a,a,...,a" (nested repetition in its parameter regex).
_NAME = r"[A-Za-z0-9_-]+"
_PVALUE = r'(?:"[^"]*"|[^";:,]*)'
_SAFE_LINE = re.compile(rf"(?:{_NAME}\.)?{_NAME};?(?:;{_NAME}(?:={_PVALUE}(?:,{_PVALUE})*)?)*+:")

_ESCAPABLE = '\\;,Nn":'  # vobject's list plus ':' (Apple and Google write "http\://")
_IGNORED = {"VERSION", "PRODID", "REV", "PROFILE"}
_LISTS = {"EMAIL": "emails", "TEL": "phones", "ADR": "addresses", "URL": "urls"}
_URL_LIKE = {"IMPP", "X-SOCIALPROFILE"}
_ANNIVERSARY = {"ANNIVERSARY", "X-ANNIVERSARY"}

# TYPE values that say nothing a label should (capabilities, encodings, "preferred").
_NOT_LABELS = {"pref", "internet", "x400", "voice", "dom", "intl", "postal", "parcel"}
_TYPE_ALIASES = {"cell": "mobile", "x-mobile": "mobile"}
_MOST_SPECIFIC = ("iphone", "mobile", "fax", "pager", "main", "work", "home", "other")
_GOOGLE_GROUPS = {"myContacts"}  # Google puts every contact in it

_FULL_DATE = re.compile(r"(?:(\d{4})-(\d{2})-(\d{2})|(\d{4})(\d{2})(\d{2}))(?:T[0-9:.,+\-Z]*)?")
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")


class _CardError(Exception):
    """This card cannot be read; the message says why."""


@dataclass
class _Chunk:
    number: int
    line: int  # where BEGIN:VCARD is, from 1
    lines: list[str]
    error: str | None = None


@dataclass
class _Prop:
    line: Any  # vobject.base.ContentLine, still escaped (quoted-printable decoded)
    qp: bool  # the value was quoted-printable (2.1): plain text, not escaped

    @property
    def name(self) -> str:
        return self.line.name

    @property
    def group(self) -> str | None:
        return self.line.group


def parse_vcards(
    text: str, *, source: str | None = None, meter: Meter | None = None
) -> Iterator[Incoming | RecordError]:
    """One :class:`Incoming` per card in ``text``, in order, or a :class:`RecordError` for a
    card that cannot be read (and reading goes on). Positions are ``card 3 (line 41)``,
    ``of <source>`` added when given; text outside any card is reported as ``line N``.
    ``meter.done`` grows with the share of ``text`` read (in characters, by its lines)."""
    suffix = f" of {source}" if source else ""
    if not _ANY_VCARD.search(text):
        yield RecordError(f"card 1{suffix}", "no vCard found")
        return
    base = meter.done if meter is not None else 0
    for item in _split(text, meter, base):
        if isinstance(item, tuple):
            line_no, excerpt = item
            yield RecordError(f"line {line_no}{suffix}", f"text outside a vCard: {excerpt}")
            continue
        position = f"card {item.number} (line {item.line}){suffix}"
        if item.error:
            yield RecordError(position, item.error)
            continue
        try:
            yield _parse_card(item.lines, position)
        except _CardError as exc:
            yield RecordError(position, str(exc))
        except Exception as exc:  # vobject raises far more than ParseError on bad input
            yield RecordError(position, f"cannot be read: {_describe(exc)}")


def _describe(exc: BaseException) -> str:
    message = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    return str(message)[:200]


def _excerpt(line: str) -> str:
    return repr(line[:60] + ("..." if len(line) > 60 else ""))


def _split(
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
    """A content line read by :func:`_read_props_fast`: the attributes of vobject's
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


def _read_props(lines: list[str]) -> list[_Prop]:
    """The card's content lines (its own BEGIN/END and any nested component left out).

    Most cards are read by :func:`_read_props_fast`, which gives what vobject gives for
    the lines it accepts (vobject's ContentLine was most of a vCard import's time); a card with
    quoted-printable or a quoted parameter value goes through vobject."""
    if not any(_QP_PARAM.match(line) for line in lines):
        props = _read_props_fast(lines)
        if props is not None:
            return props
    return _read_props_vobject(lines)


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


def _read_props_fast(lines: list[str]) -> list[_Prop] | None:
    """:func:`_read_props_vobject` by hand, or None for a card it does not read the same
    way (a ``"`` before the value's colon, a quoted-printable parameter after unfolding):
    vobject then reads the whole card."""
    props: list[_Prop] = []
    depth = 0
    for logical in _logical_lines(lines):
        if not logical.strip():
            continue
        if not _SAFE_LINE.match(logical):
            raise _CardError(f"cannot read the line {_excerpt(logical)}")
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
            line = _Line(upper, group or None, logical[colon + 1 :], params, singles)
            props.append(_Prop(line, False))
    return props


def _read_props_vobject(lines: list[str]) -> list[_Prop]:
    """The card's content lines, read with vobject's line functions."""
    from vobject.base import ContentLine, getLogicalLines, parseLine

    allow_qp = any(_QP_PARAM.match(line) for line in lines)
    props: list[_Prop] = []
    depth = 0
    for logical, _n in getLogicalLines(io.StringIO("\r\n".join(lines) + "\r\n"), allow_qp):
        if not logical.strip():
            continue
        if not _SAFE_LINE.match(logical):
            raise _CardError(f"cannot read the line {_excerpt(logical)}")
        name, params, value, group = parseLine(logical)
        qp = False
        fixed = []
        for param in params:
            # vobject decodes quoted-printable only when it is spelt in capitals
            if len(param) == 1 and param[0].upper() == "QUOTED-PRINTABLE":
                param = ["QUOTED-PRINTABLE"]
                qp = True
            elif param[0].upper() == "ENCODING":
                values = [v.upper() if v.upper() == "QUOTED-PRINTABLE" else v for v in param[1:]]
                qp = qp or "QUOTED-PRINTABLE" in values
                param = [param[0], *values]
            fixed.append(param)
        upper = name.upper()
        try:
            line = ContentLine(name, fixed, value, group, encoded=True)
        except (LookupError, UnicodeDecodeError, ValueError) as exc:
            raise _CardError(f"cannot decode {upper}: {_describe(exc)}") from None
        if qp:
            line.value = line.value.replace("\r\n", "\n").replace("\r", "\n")
        if upper == "BEGIN":
            depth += 1
            continue
        if upper == "END":
            depth -= 1
            continue
        if depth == 1:
            props.append(_Prop(line, qp))
    return props


def _unescape_all(raw: str, separator: str | None) -> list[str]:
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
    return stringToTextValues(raw, listSeparator=separator, charList=_ESCAPABLE)


def _text(prop: _Prop) -> str:
    """The value, unescaped (commas kept)."""
    return prop.line.value if prop.qp else _unescape_all(prop.line.value, None)[0]


def _values(prop: _Prop) -> list[str]:
    """A comma-separated list (CATEGORIES, NICKNAME), each unescaped and stripped."""
    raw = prop.line.value
    items = raw.split(",") if prop.qp else _unescape_all(raw, ",")
    return [item.strip() for item in items if item.strip()]


def _components(prop: _Prop) -> list[str]:
    """A structured value (N, ADR, ORG): split at unescaped semicolons, each part
    unescaped with its commas kept, stripped."""
    parts = _split_structured(prop.line.value, escaped=not prop.qp)
    return [part.strip() for part in parts]


def _split_structured(raw: str, *, escaped: bool = True) -> list[str]:
    if "\\" not in raw:  # as below, without vobject's character loop
        parts = raw.split(";")
        if len(parts) > 1 and not parts[-1]:
            parts.pop()
        return parts
    from vobject.icalendar import stringToTextValues

    if (len(raw) - len(raw.rstrip("\\"))) % 2:
        raw += "\\"
    parts = stringToTextValues(raw, listSeparator=";", charList=";")
    return [_unescape_all(part, None)[0] for part in parts] if escaped else parts


def _types(prop: _Prop) -> list[str]:
    found = []
    for value in prop.line.params.get("TYPE", []):
        found += [t.strip().lower() for t in value.split(",") if t.strip()]
    found += [s.strip().lower() for s in prop.line.singletonparams if s.strip()]
    return found


def _pref(prop: _Prop, types: list[str]) -> int:
    for value in prop.line.params.get("PREF", []):
        if value.strip().isdigit():
            return max(1, min(100, int(value)))
    return 1 if "pref" in types else 101


def _clean_label(text: str | None) -> str | None:
    if not text:
        return None
    label = text.strip()
    if label.startswith("_$!<") and label.endswith(">!$_"):
        label = label[4:-4]
    return "-".join(label.lower().split()) or None


def _type_label(types: list[str]) -> str | None:
    candidates = []
    for kind in types:
        if kind in _NOT_LABELS:
            continue
        kind = _TYPE_ALIASES.get(kind, kind)
        if kind.startswith("x-") and len(kind) > 2:
            kind = kind[2:]
        candidates.append(kind)
    for kind in _MOST_SPECIFIC:
        if kind in candidates:
            return kind
    return _clean_label(candidates[0]) if candidates else None


def _date(prop: _Prop) -> str | None:
    """The stored form (``1990-05-17``, ``--05-17``) of a date value, or None when it is
    text; a date in a date's form that does not exist (``2026-02-30``) is an error."""
    if any(v.strip().lower() == "text" for v in prop.line.params.get("VALUE", [])):
        return None
    value = _text(prop).strip()
    if match := _FULL_DATE.fullmatch(value):
        groups = match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)
        year, month, day = (int(g) for g in groups)
        try:
            date(year, month, day)
        except ValueError:
            raise _CardError(f"{prop.name} {value!r} is an impossible date") from None
        omit = prop.line.params.get("X-APPLE-OMIT-YEAR", [])
        if any(v.strip().isdigit() and int(v) == year for v in omit):
            return f"--{month:02d}-{day:02d}"
        return f"{year:04d}-{month:02d}-{day:02d}"
    if match := _NO_YEAR.fullmatch(value):
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2000, month, day)  # a leap year: --02-29 is a real birthday
        except ValueError:
            raise _CardError(f"{prop.name} {value!r} is an impossible date") from None
        return f"--{month:02d}-{day:02d}"
    return None


def _serialize(prop: _Prop) -> str:
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
    return _dump(out)


def _dump(line: Any) -> str:
    """One content line, unfolded, without its line end."""
    from vobject.base import defaultSerialize

    return defaultSerialize(line, None, 1 << 62)[:-2]


def _photo(prop: _Prop) -> str | None:
    """The PHOTO line as vobject writes it: inline data checked and re-encoded as
    ``PHOTO;ENCODING=b;TYPE=JPEG:...``; a URI as it is."""
    import base64
    import binascii

    from vobject.base import ContentLine

    line = prop.line
    encodings = [v.upper() for v in line.params.get("ENCODING", [])]
    singles = list(line.singletonparams)
    if not (
        any(e in ("B", "BASE64") for e in encodings) or any(s.upper() == "BASE64" for s in singles)
    ):
        return _serialize(prop) if line.value.strip() else None
    compact = "".join(line.value.split())
    if not compact:
        return None
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise _CardError("PHOTO is not valid base64") from None
    params: dict[str, list[str]] = {"ENCODING": ["b"]}
    types = list(line.params.get("TYPE", [])) + [
        s for s in singles if s.upper() not in ("BASE64", "7BIT", "8BIT")
    ]
    if types:
        params["TYPE"] = types
    for key, values in line.params.items():
        if key not in ("ENCODING", "CHARSET", "TYPE"):
            params[key] = list(values)
    out = ContentLine("PHOTO", [], base64.b64encode(data).decode("ascii"), group=line.group)
    out.encoded = True
    out.params = params
    return _dump(out)


def _parse_card(lines: list[str], position: str) -> Incoming:
    props = _read_props(lines)
    record = Incoming(position=position)

    labels: dict[str, int] = {}  # group -> index of its X-ABLabel
    for index, prop in enumerate(props):
        if prop.name == "X-ABLABEL" and prop.group:
            labels.setdefault(prop.group.lower(), index)
    used: set[int] = set()

    def group_label(prop: _Prop) -> str | None:
        """The X-ABLabel of the property's group, which the property now owns."""
        index = labels.get(prop.group.lower()) if prop.group else None
        if index is None:
            return None
        used.add(index)
        return _clean_label(_text(props[index]))

    extras: list[tuple[int, str]] = []
    lists: dict[str, list[tuple[int, int, str | None, str]]] = {k: [] for k in _LISTS.values()}
    nicknames: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()

    for index, prop in enumerate(props):
        name = prop.name
        first = name not in seen
        seen.add(name)
        if name in _IGNORED or name == "X-ABLABEL":
            continue
        if name == "FN":
            group_label(prop)
            if record.name is None:
                record.name = _text(prop).strip() or None
        elif name == "N":
            group_label(prop)
            if first:
                parts = [*_components(prop), "", "", "", "", ""][:5]
                record.family_name = parts[0] or None
                record.given_name = parts[1] or None
                if any(parts[2:]):  # middle name, prefix, suffix: kept for writing back
                    extras.append((index, _serialize(prop)))
        elif name == "NICKNAME":
            group_label(prop)
            nicknames += _values(prop)
        elif name == "TITLE" and first:
            group_label(prop)
            record.title = _text(prop).strip() or None
        elif name == "ORG" and first:
            group_label(prop)
            parts = _components(prop)
            record.company = parts[0] if parts and parts[0] else None
            if any(parts[1:]):  # the department: kept for writing back
                extras.append((index, _serialize(prop)))
        elif name in _LISTS or name in _URL_LIKE:
            value = _address(prop) if name == "ADR" else _text(prop).strip()
            if name == "TEL" and value.lower().startswith("tel:"):
                value = _tel_uri(value)
            elif name == "EMAIL" and value.lower().startswith("mailto:"):
                value = value[7:].strip()
            label = group_label(prop)
            if not value:
                continue
            types = _types(prop)
            if name == "IMPP":
                service = prop.line.params.get("X-SERVICE-TYPE", [])
                scheme = value.split(":", 1)[0] if ":" in value else None
                label = (
                    _clean_label(service[0] if service else None)
                    or label
                    or _clean_label(scheme)
                    or _type_label(types)
                )
            else:
                label = label or _type_label(types)
            kind = _LISTS.get(name, "urls")
            pref = _pref(prop, types) if name in _LISTS else 101  # a chat account's "pref"
            lists[kind].append((pref, index, label, value))  # is not the primary URL
        elif (name == "BDAY" or name == "X-ABDATE" or name in _ANNIVERSARY) and not (
            prop.line.value.strip()
        ):
            continue  # an empty date says nothing
        elif name == "BDAY":
            day = _date(prop)
            if day is not None and record.birthday is None:
                group_label(prop)
                record.birthday = day
            else:
                if day is None:
                    record.custom.setdefault("birthday_text", _text(prop).strip())
                extras.append((index, _serialize(prop)))
        elif name in _ANNIVERSARY or name == "X-ABDATE":
            day = _date(prop)
            if day is None:
                if name in _ANNIVERSARY:
                    record.custom.setdefault("anniversary_text", _text(prop).strip())
                extras.append((index, _serialize(prop)))
            elif name == "X-ABDATE":
                label = group_label(prop) or _type_label(_types(prop))
                record.dates.append((label, day))
            else:
                group_label(prop)
                record.dates.append(("anniversary", day))
        elif name == "CATEGORIES":
            group_label(prop)
            record.tags += [t for t in _values(prop) if t not in _GOOGLE_GROUPS]
        elif name == "NOTE":
            group_label(prop)
            note = _text(prop).strip()
            if note:
                notes.append(note)
        elif name == "UID":
            if record.uid is None:
                uid = _text(prop).strip()
                if uid.lower().startswith("urn:uuid:"):
                    uid = uid[9:]
                record.uid = uid or None
        elif name == "PHOTO" and record.photo is None:
            record.photo = _photo(prop)
        else:
            extras.append((index, _serialize(prop)))

    for index, prop in enumerate(props):
        if prop.name == "X-ABLABEL" and index not in used:
            _text(prop)
            extras.append((index, _serialize(prop)))

    for kind, items in lists.items():
        items.sort(key=lambda item: (item[0], item[1]))
        setattr(record, kind, [(label, value) for _p, _i, label, value in items])
    record.nickname = ", ".join(nicknames) or None
    record.notes = "\n\n".join(notes) or None
    record.vcard_extra = [line for _i, line in sorted(extras)]
    if not record.name:
        built = " ".join(p for p in (record.given_name, record.family_name) if p)
        record.name = built or record.company or (record.emails[0][1] if record.emails else None)
    if not record.name:
        raise _CardError("card has no name (no FN, N, ORG or EMAIL)")
    return record


def _tel_uri(value: str) -> str:
    """``tel:+1-418-656-9254;ext=102`` (RFC 3966) -> ``+1-418-656-9254 ext. 102``."""
    number, *params = value[4:].split(";")
    ext = next((p.split("=", 1)[1] for p in params if p.lower().startswith("ext=")), "")
    return f"{number.strip()} ext. {ext.strip()}" if ext.strip() else number.strip()


def _address(prop: _Prop) -> str:
    """ADR as text: street lines, then "city region postcode", then the country."""
    parts = [*_components(prop), "", "", "", "", "", "", ""][:7]
    box, extended, street, city, region, code, country = parts
    place = " ".join(p for p in (city, region, code) if p)
    return "\n".join(p for p in (street, extended, box, place, country) if p)


# -- writing ------------------------------------------------------------------------------

# Labels written as a TYPE, per property; the reader maps each back to the same label.
_STANDARD_TYPES: dict[str, dict[str, str]] = {
    "EMAIL": {"work": "work", "home": "home"},
    "TEL": {"work": "work", "home": "home", "mobile": "cell", "fax": "fax", "pager": "pager"},
    "ADR": {"work": "work", "home": "home"},
    "URL": {"work": "work", "home": "home"},
}
_TEL_TYPES = {
    "3.0": {"main": "main", "iphone": "iphone"},  # Apple's, in its 3.0 exports
    "4.0": {"text": "text", "video": "video", "textphone": "textphone"},  # RFC 6350
}
_APPLE_LABELS = {"other": "Other", "homepage": "HomePage", "anniversary": "Anniversary"}
_STRUCTURAL = {"BEGIN", "END", "VERSION", "PRODID", "REV", "PROFILE", "FN", "UID"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH_DAY = re.compile(r"--(\d{2})-(\d{2})")
_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+)?;base64\\?,(.*)", re.I | re.S)


def to_vcards(
    contacts: Iterable[Contact], *, version: str = "4.0", include_photo: bool = True
) -> str:
    """The contacts as one .vcf text."""
    return "".join(to_vcard(c, version=version, include_photo=include_photo) for c in contacts)


def to_vcard(contact: Contact, *, version: str = "4.0", include_photo: bool = True) -> str:
    """One contact as a vCard ``version`` 4.0 or 3.0: CRLF line ends, folded at 75 octets."""
    from vobject.base import backslashEscape as esc

    if version not in VERSIONS:
        raise InvalidInput(f"unknown vCard version {version!r}", hint="3.0 or 4.0")
    v4 = version == "4.0"
    extras = _usable_extras(contact, include_photo)
    groups = _Groups({group.lower() for _n, group, _v, _l in extras if group})
    out = _Writer()
    out.raw("BEGIN:VCARD")
    out.raw(f"VERSION:{version}")
    out.add("PRODID", esc(PRODID))
    if contact.uid:
        if v4 and _UUID.fullmatch(contact.uid):
            out.add("UID", f"urn:uuid:{contact.uid}")
        else:
            out.add("UID", esc(contact.uid), {"VALUE": ["text"]} if v4 else None)
    out.add("FN", esc(contact.name))

    family, given = contact.family_name or "", contact.given_name or ""
    kept_n = _matching(extras, "N", lambda parts: parts[:2] == [family, given])
    if kept_n:
        out.raw(kept_n)
    else:
        out.add("N", ";".join(esc(p) for p in (family, given, "", "", "")))
    if contact.nickname:
        out.add("NICKNAME", esc(contact.nickname))
    if contact.company:
        company = contact.company.name
        kept_org = _matching(extras, "ORG", lambda parts: parts[:1] == [company])
        if kept_org:
            out.raw(kept_org)
        else:
            out.add("ORG", esc(company))
    if contact.title:
        out.add("TITLE", esc(contact.title))

    for prop, items in (
        ("EMAIL", contact.emails),
        ("TEL", contact.phones),
        ("ADR", contact.addresses),
        ("URL", contact.urls),
    ):
        standard = dict(_STANDARD_TYPES[prop])
        if prop == "TEL":
            standard.update(_TEL_TYPES[version])
        for position, item in enumerate(items):
            value = esc(item.value)
            if prop == "ADR":
                value = f";;{value};;;;"
            _labelled(out, groups, prop, value, item.label, standard, v4, position, len(items))

    if contact.birthday and (formatted := _date_out(contact.birthday, v4)):
        out.add("BDAY", formatted[0], formatted[1])
    anniversary_written = False
    for item in contact.dates:
        formatted = _date_out(item.value, v4)
        if formatted is None:
            continue
        if v4 and item.label == "anniversary" and not anniversary_written:
            anniversary_written = True
            out.add("ANNIVERSARY", formatted[0], formatted[1])
            continue
        group = groups.next() if item.label else None
        out.add("X-ABDATE", formatted[0], formatted[1], group=group)
        if group and item.label:
            out.add("X-ABLabel", esc(_apple_label(item.label)), group=group)
    if contact.tags:
        out.add("CATEGORIES", ",".join(esc(t) for t in contact.tags))
    if contact.notes:
        out.add("NOTE", esc(contact.notes))
    if include_photo and contact.photo:
        photo = _photo_out(contact.photo, v4)
        if photo:
            out.raw(photo)

    has_anniversary = any(d.label == "anniversary" for d in contact.dates)
    for name, _group, _value, line in extras:
        if name in ("N", "ORG"):
            continue  # written above when it still matches, else out of date
        if name == "BDAY" and contact.birthday:
            continue  # the birthday minicrm has replaces the text one
        if name in _ANNIVERSARY and has_anniversary:
            continue
        out.raw(line)
    if contact.updated_at and (rev := _rev(contact.updated_at, v4)):
        out.add("REV", rev)
    out.raw("END:VCARD")
    return out.text()


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def raw(self, line: str) -> None:
        self.lines.append(line)

    def add(
        self,
        name: str,
        value: str,
        params: dict[str, list[str]] | None = None,
        *,
        group: str | None = None,
    ) -> None:
        """``value`` already escaped; vobject writes the name, group and parameters."""
        from vobject.base import ContentLine

        line = ContentLine(name, [], value, group=group, encoded=True)
        line.params = dict(params or {})
        self.lines.append(_dump(line))

    def text(self) -> str:
        return "".join(_fold(line) for line in self.lines)


class _Groups:
    """``item1``, ``item2``, ... skipping the groups the kept lines already use."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.count = 0

    def next(self) -> str:
        while True:
            self.count += 1
            name = f"item{self.count}"
            if name not in self.taken:
                return name


def _labelled(
    out: _Writer,
    groups: _Groups,
    prop: str,
    value: str,
    label: str | None,
    standard: dict[str, str],
    v4: bool,
    position: int,
    count: int,
) -> None:
    from vobject.base import backslashEscape as esc

    types: list[str] = []
    params: dict[str, list[str]] = {}
    group = None
    if label and label in standard:
        types.append(standard[label])
    elif label:
        group = groups.next()
    if position == 0 and count > 1:  # the primary one
        if v4:
            params["PREF"] = ["1"]
        else:
            types.append("pref")
    if types:
        params["TYPE"] = types
    out.add(prop, value, params, group=group)
    if group and label:
        out.add("X-ABLabel", esc(_apple_label(label)), group=group)


def _apple_label(label: str) -> str:
    builtin = _APPLE_LABELS.get(label)
    return f"_$!<{builtin}>!$_" if builtin else label


def _date_out(value: str, v4: bool) -> tuple[str, dict[str, list[str]] | None] | None:
    """(value, params) of a stored date: basic format in 4.0 (RFC 6350), extended in 3.0
    with Apple's X-APPLE-OMIT-YEAR for a date without a year."""
    if match := _ISO.fullmatch(value):
        year, month, day = match.groups()
        return (f"{year}{month}{day}" if v4 else value), None
    if match := _MONTH_DAY.fullmatch(value):
        month, day = match.groups()
        if v4:
            return f"--{month}{day}", None
        return f"1604-{month}-{day}", {"X-APPLE-OMIT-YEAR": ["1604"]}
    return None


def _rev(stamp: str, v4: bool) -> str | None:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ" if v4 else "%Y-%m-%dT%H:%M:%SZ")


def _parse_line(line: str) -> tuple[str, list[list[str]], str, str | None] | None:
    """vobject's reading of one stored line, or None when it is not a content line."""
    from vobject.base import parseLine

    if "\r" in line or "\n" in line or not _SAFE_LINE.match(line):
        return None
    try:
        name, params, value, group = parseLine(line)
    except Exception:
        return None
    return name.upper(), params, value, group


def _usable_extras(contact: Contact, include_photo: bool) -> list[tuple[str, str | None, str, str]]:
    """(name, group, value, line) of the kept lines that can be written back."""
    kept = []
    for line in contact.vcard_extra:
        parsed = _parse_line(line) if line else None
        if parsed is None:
            continue
        name, _params, value, group = parsed
        if name in _STRUCTURAL or (name == "PHOTO" and not include_photo):
            continue
        kept.append((name, group, value, line))
    return kept


def _matching(extras: list[tuple[str, str | None, str, str]], name: str, test: Any) -> str | None:
    """The kept N or ORG line whose first parts still match the contact (so the middle name,
    prefix, suffix or department it has are written back), if any."""
    for prop, _group, value, line in extras:
        if prop != name:
            continue
        parts = [part.strip() for part in _split_structured(value)]
        if test(parts):
            return line
    return None


def _photo_out(photo: str, v4: bool) -> str | None:
    """The stored PHOTO line in the form of the version written: inline data is
    ``ENCODING=b;TYPE=JPEG`` in 3.0 and a ``data:`` URI in 4.0; a link stays a link."""
    from vobject.base import ContentLine

    parsed = _parse_line(photo)
    if parsed is None or parsed[0] != "PHOTO":
        return None
    _name, params, value, group = parsed
    line = ContentLine("PHOTO", params, value, group, encoded=True)
    encodings = [v.lower() for v in line.params.get("ENCODING", [])]
    inline = "b" in encodings or "base64" in encodings
    if v4 and inline:
        kinds = line.params.get("TYPE", []) + line.singletonparams
        kind = (kinds[0] if kinds else "jpeg").lower()
        media = kind if "/" in kind else f"image/{kind}"
        out = ContentLine("PHOTO", [], f"data:{media};base64,{value}", group, encoded=True)
        return _dump(out)
    if not v4 and (match := _DATA_URI.fullmatch(value)):
        media = match.group(1) or "image/jpeg"
        out = ContentLine("PHOTO", [], match.group(2), group, encoded=True)
        out.params = {"ENCODING": ["b"], "TYPE": [media.split("/", 1)[1].upper()]}
        return _dump(out)
    if not v4 and not inline and "VALUE" not in line.params:
        line.params["VALUE"] = ["uri"]  # 3.0's PHOTO is binary unless said otherwise
        return _dump(line)
    return photo


def _fold(line: str) -> str:
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
