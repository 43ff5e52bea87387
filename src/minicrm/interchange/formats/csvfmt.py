"""CSV contacts: generic spreadsheets, Google Contacts and Outlook exports in; Google out.

Reading. :func:`parse_csv` yields one :class:`~minicrm.interchange.incoming.Incoming` per data row
(or a :class:`~minicrm.interchange.incoming.RecordError` naming the row's first physical line).
Each header cell becomes a *target*: what ``--map COLUMN=FIELD`` says, else the column as
the detected export (Google, Outlook) names it, else a common spreadsheet name (``E-mail``,
``Job Title``, ``Mobile`` ...), else a custom field named after the column in snake_case.
Nothing is dropped unless mapped to ``ignore``. Values are passed on as the file has them
(trimmed, line ends inside a cell made ``\n``); :mod:`minicrm.interchange.imports` validates them. A few things are normalised here because
only this module knows the format: Outlook's US-order birthdays (``5/17/1990``, ``0/0/00``
for none), Google's ``" ::: "`` multi-value cells and ``"* "`` primary markers, labels
(``"Work Fax"`` -> ``work-fax``), and the ``'``
that a formula guard put before ``= + - @`` (so minicrm's own guarded CSV reads back).

The dialects are their own modules: :mod:`~minicrm.interchange.formats.csvcolumns` (targets,
common column names, ``--map``), :mod:`~minicrm.interchange.formats.generic_csv`,
:mod:`~minicrm.interchange.formats.google_csv` (which also writes Google's CSV),
:mod:`~minicrm.interchange.formats.outlook_csv` and
:mod:`~minicrm.interchange.formats.minicrm_csv` (minicrm's own, read and written).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from minicrm.core.errors import InvalidInput
from minicrm.interchange.formats import minicrm_csv
from minicrm.interchange.formats.csvcolumns import (
    CUSTOM_KEY,
    LIST_ATTR,
    Target,
    column_label,
    field_target,
    normalised,
    snake,
)
from minicrm.interchange.formats.generic_csv import (
    ADDRESS_PARTS,
    CITYISH,
    generic_target,
)
from minicrm.interchange.formats.google_csv import (
    GOOGLE_NUMBERED,
    GOOGLE_SEP,
    MULTI_SEP,
    google_target,
)
from minicrm.interchange.formats.outlook_csv import (
    DATE_ORDERS,
    DEFAULT_ORDER,
    ImpossibleSlashDate,
    outlook_target,
    slash_order,
    us_date,
)
from minicrm.interchange.incoming import Incoming, Meter, RecordError
from minicrm.ui.machine import unguard_formula

KINDS = ("auto", "csv", "google", "outlook", "minicrm")


FIELD_SIZE_LIMIT = 10 * 1024 * 1024


def detect_kind(header: list[str]) -> str:
    """``minicrm``, ``google``, ``outlook`` or ``csv`` (anything else) from the header row."""
    cells = {" ".join(c.replace("\ufeff", "").lower().split()) for c in header}
    if {"uid", "name", "emails", "phones", "keep_in_touch_days"} <= cells:
        return "minicrm"
    first = bool(cells & {"given name", "first name"})
    numbered = any(GOOGLE_NUMBERED.fullmatch(c) for c in cells)
    google_only = {"group membership", "file as", "organization name", "phonetic first name"}
    if first and (numbered or bool(cells & google_only)):
        return "google"
    outlook_only = {
        "business phone",
        "business street",
        "home street",
        "business fax",
        "web page",
        "job title",
        "e-mail 2 address",
        "e-mail display name",
    }
    if first and "e-mail address" in cells and len(cells & outlook_only) >= 2:
        return "outlook"
    return "csv"


@dataclass
class _Column:
    index: int
    name: str
    key: str  # custom-field key if the value has nowhere else to go
    target: Target | None  # None: not recognised (goes to custom[key])


def _plan(header: list[str], kind: str, mapping: dict[str, str]) -> tuple[list[_Column], bool]:
    """Each column's target, and whether any column was recognised at all."""
    by_exact = {name: i for i, name in reversed(list(enumerate(header)))}
    by_fold = {name.casefold(): i for i, name in reversed(list(enumerate(header)))}
    mapped: dict[int, Target] = {}
    for column, field in mapping.items():
        index = by_exact.get(column, by_fold.get(column.strip().casefold()))
        if index is None:
            shown = ", ".join(repr(h) for h in header[:20])
            raise InvalidInput(
                f"--map names column {column!r}, which the header does not have",
                hint=f"the columns are: {shown}" + (" ..." if len(header) > 20 else ""),
            )
        mapped[index] = field_target(field, f"{column}={field}")
    normed = {normalised(h) for h in header}
    has_parts = bool({n for n in normed if ADDRESS_PARTS.get(n) in CITYISH})
    specific = {"google": google_target, "outlook": outlook_target}.get(kind)
    columns, seen_keys, known = [], set(), False
    for index, name in enumerate(header):
        target = mapped.get(index)
        if target is None and specific is not None:
            target = specific(name)
        if target is None:
            target = generic_target(name, has_parts)
        known = known or target is not None
        key = snake(name) or f"column_{index + 1}"
        while key in seen_keys:
            key = f"{key}_{index + 1}"
        seen_keys.add(key)
        columns.append(_Column(index, name, key, target))
    return columns, known


def _tag(text: str) -> str | None:
    tag = text.strip()
    if tag.startswith("* "):  # a Google system group
        tag = tag[2:].strip()
        if tag.lower() in ("mycontacts", "starred"):
            return None
    return tag or None  # made a tag when the record is prepared (validate.tag_of_label)


def _split(value: str, pattern: re.Pattern[str] | None) -> list[str]:
    if pattern is None:
        return [value]
    return [part.strip() for part in pattern.split(value) if part.strip()]


def _address_from_parts(parts: dict[str, str]) -> list[str]:
    """One address per " ::: "-joined position of the parts (Google), in postal lines."""
    split = {role: GOOGLE_SEP.split(v) for role, v in parts.items()}
    count = max((len(v) for v in split.values()), default=0)
    result = []
    for i in range(count):
        part = {role: (v[i].strip() if i < len(v) else "") for role, v in split.items()}
        pobox = part.get("pobox", "")
        if pobox and pobox[:1].isdigit():
            pobox = f"PO Box {pobox}"
        place = " ".join(p for p in (part.get("region", ""), part.get("postcode", "")) if p)
        lines = [
            part.get("street", ""),
            part.get("street2", ""),
            part.get("street3", ""),
            part.get("extended", ""),
            pobox,
            ", ".join(p for p in (part.get("city", ""), place) if p),
            part.get("country", ""),
        ]
        text = "\n".join(line for line in lines if line)
        if text:
            result.append(text)
    return result


def _preview(cells: list[str]) -> str:
    shown = [c.strip() for c in cells if c.strip()][:4]
    text = ", ".join(repr(c if len(c) <= 40 else c[:37] + "...") for c in shown)
    return text or "an empty row"


class _Row:
    """Collects one row's values; :meth:`finish` makes the Incoming."""

    def __init__(self, position: str, date_order: str = DEFAULT_ORDER) -> None:
        self.record = Incoming(position)
        self.date_order = date_order
        self.problem: str | None = None
        self.middle: str | None = None
        self.items: dict[str, list[tuple[bool, int, str | None, str]]] = {k: [] for k in LIST_ATTR}
        self.groups: dict[tuple[str, str], dict[str, str]] = {}
        self.group_labels: dict[tuple[str, str], str | None] = {}
        self.seq = 0

    def custom(self, key: str, value: str) -> None:
        custom = self.record.custom
        if key in custom:
            if custom[key] == value:
                return
            n = 2
            while f"{key}_{n}" in custom:
                n += 1
            key = f"{key}_{n}"
        custom[key] = value

    def add_item(self, kind: str, label: str | None, value: str, primary: bool = False) -> None:
        if value.startswith("* "):  # Google marks the primary value
            value, primary = value[2:].strip(), True
        if value:
            self.items[kind].append((primary, self.seq, label, value))
            self.seq += 1

    def scalar(self, field: str, value: str, column: _Column) -> None:
        record = self.record
        if field == "notes":
            record.notes = f"{record.notes}\n\n{value}" if record.notes else value
        elif field == "middle":
            if self.middle is None:
                self.middle = value
                self.custom("middle_name", value)
            else:
                self.custom(column.key, value)
        elif getattr(record, field) is None:
            setattr(record, field, value)
        elif getattr(record, field) != value:  # a second column for the same field
            self.custom(column.key, value)

    def put(self, column: _Column, value: str) -> None:
        t = column.target
        if t is None:
            self.custom(column.key, value)
        elif t.kind == "ignore":
            pass
        elif t.kind in LIST_ATTR:
            for part in _split(value, t.split):
                self.add_item(t.kind, t.label, part, t.primary)
        elif t.kind == "tags":
            self.record.tags.extend(tag for part in _split(value, t.split) if (tag := _tag(part)))
        elif t.kind == "custom":
            self.custom(t.key or column.key, value)
        elif t.kind == "usdate":
            try:
                converted = us_date(value, self.date_order)
            except ImpossibleSlashDate:
                order = "day/month/year" if self.date_order == "dmy" else "month/day/year"
                self.problem = self.problem or (
                    f"{t.key} {value!r} is an impossible date read as {order} "
                    "(there is no such day)"
                )
                return
            if converted is not None:
                if t.key == "birthday":
                    self.scalar("birthday", converted, column)
                else:
                    self.add_item("date", t.key, converted)
        elif t.kind == "default":
            if value.lower() != t.key:
                self.custom(column.key, value)
        elif t.kind == "group":
            assert t.group is not None and t.role is not None
            group = self.groups.setdefault(t.group, {})
            if t.role in group:  # the same part twice: keep both
                group[t.role] += "\n" + value if t.group[0] == "address" else MULTI_SEP + value
            else:
                group[t.role] = value
            self.group_labels.setdefault(t.group, t.label)
        else:
            self.scalar(t.kind, value, column)

    def _finish_groups(self) -> None:
        for (kind, gid), parts in self.groups.items():
            type_ = parts.get("service") or parts.get("type") or ""
            primary = type_.strip().startswith("*")
            label = column_label(type_) or self.group_labels.get((kind, gid))
            if kind == "address":
                if "formatted" in parts:
                    values = _split(parts["formatted"], GOOGLE_SEP)
                else:
                    values = _address_from_parts({k: v for k, v in parts.items() if k != "type"})
                for n, value in enumerate(values):
                    self.add_item("address", label, value, primary and n == 0)
            elif kind == "custom":
                value = parts.get("value", "")
                if value:
                    raw_key = type_.strip()
                    key = raw_key if CUSTOM_KEY.match(raw_key) else snake(raw_key)
                    self.custom(key or snake(gid), value)
            else:
                for n, value in enumerate(_split(parts.get("value", ""), GOOGLE_SEP)):
                    self.add_item(kind, label, value, primary and n == 0)

    def finish(self, cells: list[str]) -> Incoming | RecordError:
        self._finish_groups()
        record = self.record
        if self.problem:
            return RecordError(record.position, self.problem)
        for kind, attr in LIST_ATTR.items():
            ordered = sorted(self.items[kind], key=lambda item: (not item[0], item[1]))
            setattr(record, attr, [(label, value) for _, _, label, value in ordered])
        if not record.name:
            parts = (record.given_name, self.middle, record.family_name)
            record.name = (
                " ".join(p for p in parts if p)
                or record.nickname
                or record.company
                or (record.emails[0][1] if record.emails else None)
            )
        if not record.name:
            return RecordError(
                record.position,
                "no name: the row has no name, given or family name, nickname, company "
                f"or email (it has {_preview(cells)})",
            )
        return record


def _delimiter(first_line: str) -> str:
    """Comma unless the header line has more semicolons or tabs (a European Excel)."""
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


class _Lines:
    """The stream's physical lines as csv.reader takes them: numbered from 1, remembering
    those of the row being read (``taken``), and able to give some again."""

    def __init__(self, lines: Iterator[str], meter: Meter | None = None) -> None:
        self._lines = lines
        self._again: list[tuple[int, str]] = []  # a stack: the next line to give is last
        self._count = 0
        self.taken: list[tuple[int, str]] = []
        self._meter = meter

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._again:
            number, line = self._again.pop()
        else:
            line = next(self._lines)
            self._count += 1
            number = self._count
            if self._meter is not None:
                self._meter.done += len(line)
        self.taken.append((number, line))
        return line

    @property
    def next_number(self) -> int:
        return self._again[-1][0] if self._again else self._count + 1

    def read_again(self, lines: list[tuple[int, str]]) -> None:
        self._again.extend(reversed(lines))


def _excerpt(line: str) -> str:
    text = line.rstrip("\r\n")
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _rows(
    lines: _Lines, delimiter: str, where: str
) -> Iterator[tuple[int, list[str]] | RecordError]:
    """(first line, cells) of each row, or a RecordError for a row that cannot be read.

    Read strictly, so that a quote that is never closed is found where it is: at the end
    of the file ("unexpected end of data"), or when the quote that seemed to close it is
    followed by more text ("',' expected after '\"'"), several lines later. That row is
    an error naming its first line, and the lines it swallowed are read again as rows of
    their own. A quote inside a single line (``"Ann" Lee``) is read leniently, as
    spreadsheets do."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        lines.taken = []
        start = lines.next_number
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            taken = lines.taken
            message = str(exc)
            at_end = message == "unexpected end of data"
            if not at_end and "expected after" not in message:
                yield RecordError(f"line {start}{where}", f"cannot read the CSV: {exc}")
                return
            if len(taken) == 1 and not at_end:
                cells = next(csv.reader([taken[0][1]], delimiter=delimiter))
            else:
                opened = _excerpt(taken[0][1]) if taken else "''"
                if at_end:
                    why = f"is never closed: the file ends inside it ({opened})"
                else:
                    why = (
                        f"is not closed on its line: it runs on to the quote on line "
                        f"{taken[-1][0]} ({opened})"
                    )
                yield RecordError(
                    f"line {start}{where}",
                    f'a quote (") opens a value that {why}; close it, or remove it',
                )
                lines.read_again(taken[1:])
                continue
        yield start, cells


def _file_date_order(
    stream: TextIO, indexes: list[int], delimiter: str, first_line: int, source: str
) -> str:
    """The order of the file's slash dates, from one pass over the rows after the header
    (keeping nothing but the first date that proves each order): ``dmy`` when one has a
    first part over 12 (``13/1/1980``), ``mdy`` when one has a second part over 12, the
    default (``mdy``, Outlook's US order) when none says. Both in one file: InvalidInput,
    asking for ``--dates``. A stream that cannot be read twice keeps the default."""
    if not stream.seekable():
        return DEFAULT_ORDER
    start = stream.tell()
    seen: dict[str, tuple[int, str]] = {}
    try:
        reader = csv.reader(stream, delimiter=delimiter)
        line = first_line
        for cells in reader:
            for index in indexes:
                if index < len(cells) and (order := slash_order(cells[index])):
                    seen.setdefault(order, (line, cells[index].strip()))
            if len(seen) == 2:
                break
            line = first_line + reader.line_num
    except csv.Error:
        pass  # the row is reported as it is read; the dates before it have spoken
    finally:
        stream.seek(start)
    if len(seen) == 2:
        (d_line, d_value), (m_line, m_value) = seen["dmy"], seen["mdy"]
        raise InvalidInput(
            f"{source} has dates both day-first ({d_value!r}, line {d_line}) and "
            f"month-first ({m_value!r}, line {m_line}); nothing was imported",
            hint="say how to read them: --dates dmy (day/month/year) or --dates mdy "
            "(month/day/year); a date that does not fit is then an invalid record",
        )
    return next(iter(seen), DEFAULT_ORDER)


def parse_csv(
    stream: TextIO,
    *,
    kind: str = "auto",
    mapping: dict[str, str] | None = None,
    source: str | None = None,
    meter: Meter | None = None,
    date_order: str = "auto",
) -> Iterator[Incoming | RecordError]:
    """The contacts of a CSV file, one per data row, in file order. ``meter.done`` grows
    by the characters of each line read.

    ``kind``: ``auto`` (detect from the header), ``csv`` (generic), ``google`` or
    ``outlook``. ``mapping``: ``{column: field}`` from :func:`parse_mapping`; it wins over
    recognition. Empty rows are skipped; an empty or header-only file yields nothing.
    Raises InvalidInput for an unknown ``kind`` or a ``mapping`` column not in the header.

    ``date_order``: how Outlook's slash dates are read: ``mdy``, ``dmy``, or ``auto``
    (decided for the whole file by a pass over its date columns, see
    :func:`_file_date_order`).
    """
    if kind not in KINDS:
        raise InvalidInput(f"unknown CSV kind {kind!r}", hint="one of: " + ", ".join(KINDS))
    if date_order not in DATE_ORDERS:
        raise InvalidInput(
            f"unknown date order {date_order!r}", hint="one of: " + ", ".join(DATE_ORDERS)
        )
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    where = f" of {source}" if source else ""
    first = stream.readline()
    if first.startswith("\ufeff"):
        first = first[1:]
    if not first:
        return
    lines = _Lines(itertools.chain([first], stream), meter)
    rows = _rows(lines, _delimiter(first), where)
    header: list[str] | None = None
    columns: list[_Column] = []
    for item in rows:
        if isinstance(item, RecordError):
            yield item
            continue
        start, cells = item
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.replace("\ufeff", "").strip() for c in cells]
            if kind == "auto":
                kind = detect_kind(header)
            if kind == "minicrm" and not mapping:
                yield from minicrm_csv.read_rows(rows, header, where)
                return
            if kind == "minicrm":
                kind = "csv"
            columns, known = _plan(header, kind, mapping or {})
            if not known:
                yield RecordError(
                    f"line {start}{where}",
                    f"no header row I recognise: {_preview(header)}; use --map COLUMN=FIELD",
                )
                return
            dated = [c.index for c in columns if c.target and c.target.kind == "usdate"]
            if date_order == "auto":
                date_order = DEFAULT_ORDER
                if dated:
                    date_order = _file_date_order(
                        stream, dated, _delimiter(first), lines.next_number, source or "the file"
                    )
            continue
        position = f"line {start}{where}"
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            yield RecordError(
                position,
                f"{len(cells)} cells but the header has {len(header)} columns "
                "(a stray comma or an unquoted value?)",
            )
            continue
        row = _Row(position, date_order)
        size = len(cells)
        for column in columns:
            if column.index < size:
                value = cells[column.index]
                if not value:
                    continue
                if value[0] == "'":
                    value = unguard_formula(value)
                if "\r" in value:
                    value = value.replace("\r\n", "\n").replace("\r", "\n")
                value = value.strip()
                if value:
                    row.put(column, value)
        yield row.finish(cells)
