"""Where an import comes from: a file, standard input or a folder of .vcf files; which
format it is (from the content first, then the extension); and the records it holds."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from minicrm.core.errors import InvalidInput
from minicrm.interchange.incoming import Incoming, Meter, RecordError

MAX_BYTES = 1 << 30  # 1 GiB: a larger "contacts file" is a mistake
FORMATS = ("auto", "csv", "google", "outlook", "vcard", "json")


def read_bytes(path: str) -> list[tuple[str, bytes]]:
    """(name, bytes) of the source: ``-`` is stdin; a folder gives each .vcf in it."""
    if path == "-":
        return [("stdin", sys.stdin.buffer.read(MAX_BYTES + 1))]
    source = Path(path).expanduser()
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix.lower() in (".vcf", ".vcard"))
        if not files:
            raise InvalidInput(f"no .vcf files in the folder {source}")
        return [(p.name, _read(p)) for p in files]
    return [(source.name, _read(source))]


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InvalidInput(f"{path} is {size:,} bytes; the limit is {MAX_BYTES:,}")
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None


def decode(name: str, data: bytes, encoding: str | None, fmt: str = "auto") -> str:
    """The text of a source. A vCard that is not all UTF-8 (and no ``encoding`` given)
    keeps its other bytes as surrogates, for the vCard reader to decode each property in
    its own CHARSET (or the fallback); any other format must decode whole."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"{name} is larger than {MAX_BYTES:,} bytes")
    try:
        return data.decode(encoding or "utf-8-sig")
    except LookupError:
        raise InvalidInput(
            f"unknown encoding {encoding!r}", hint="e.g. latin-1, cp1252, utf-16"
        ) from None
    except UnicodeDecodeError as exc:
        vcard = fmt == "vcard" or (
            fmt == "auto"
            and (
                data.lstrip(b"\xef\xbb\xbf \t\r\n")[:11].upper() == b"BEGIN:VCARD"
                or Path(name).suffix.lower() in (".vcf", ".vcard")
            )
        )
        if encoding is None and vcard:
            return data.decode("utf-8-sig", "surrogateescape")
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"{name} is not valid {encoding or 'UTF-8'} (line {line}, byte {exc.start})",
            hint="give its encoding, e.g. --encoding latin-1 or --encoding cp1252",
        ) from None


def detect(name: str, text: str) -> str:
    """vcard, json or csv: the content decides, the extension breaks a tie."""
    head = text.lstrip()[:200].upper()
    if head.startswith("BEGIN:VCARD"):
        return "vcard"
    if head.startswith(("{", "[")):
        return "json"
    if head.startswith("BEGIN:VCALENDAR"):
        raise InvalidInput(
            f"{name} is an iCalendar file; minicrm imports contacts", hint="vCard, CSV or JSON"
        )
    suffix = Path(name).suffix.lower()
    if suffix in (".vcf", ".vcard"):
        return "vcard"
    if suffix == ".json":
        return "json"
    return "csv"


def load_json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from None
    except RecursionError:  # json's C parser gives up past ~1,000 levels of nesting
        raise InvalidInput(
            f"{name} nests arrays or objects too deeply to be a contacts file"
        ) from None


def records(
    fmt: str,
    sources: list[tuple[str, str]],
    *,
    mapping: dict[str, str] | None = None,
    csv_kind: str = "auto",
    meter: Meter | None = None,
    encoding: str | None = None,
    date_order: str = "auto",
) -> Iterator[Incoming | RecordError]:
    """Records of every source in ``fmt`` (vcard, json, or csv read as ``csv_kind``:
    auto, csv, google or outlook). ``meter.done`` follows how many characters of all the
    sources have been read (for a progress bar sized by the sources, not by a count of
    their records). ``date_order``: how Outlook's slash dates are read (auto, dmy, mdy)."""
    meter = meter or Meter()
    for name, text in sources:
        base = meter.done
        reader: Iterator[Incoming | RecordError]
        if fmt == "vcard":
            from minicrm.interchange.formats import vcard  # lazy: start-up

            reader = vcard.parse_vcards(text, source=name, meter=meter, encoding=encoding)
        elif fmt == "json":
            from minicrm.interchange.formats import jsondump  # lazy: start-up

            data = load_json(name, text)
            count = len(data) if isinstance(data, list) else 0
            if jsondump.is_dump(data):
                contacts = (data.get("tables") or {}).get("contacts")
                count = len(contacts) if isinstance(contacts, list) else 0
            reader = _spread(jsondump.contact_records(data, name), meter, len(text), count)
        else:
            from minicrm.interchange.formats import csvfmt  # lazy: start-up

            reader = csvfmt.parse_csv(
                io.StringIO(text, newline=""),
                kind=csv_kind,
                mapping=mapping,
                source=name,
                meter=meter,
                date_order=date_order,
            )
        yield from reader
        meter.done = base + len(text)


def _spread(
    items: Iterator[Incoming | RecordError], meter: Meter, size: int, count: int
) -> Iterator[Incoming | RecordError]:
    """A JSON file is read whole by json.loads; its ``count`` records then share its size."""
    base = meter.done
    for number, item in enumerate(items, start=1):
        meter.done = base + size * min(number, count) // max(count, 1)
        yield item
