"""Output for programs: JSON, CSV and TSV, and the spreadsheet formula guard of CSV cells
(and its undoing, for the readers)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from typing import IO, Any

from minicrm.ui.text import FLAG, INVISIBLE, stdout_is_terminal, visible

_JSON_UNSAFE = re.compile(f"{FLAG}|[{INVISIBLE}]")  # json.dumps escapes C0 itself
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\x00")


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
    the reader, which takes one ``'`` off both kinds (:func:`unguard_formula`), gives
    back every value exactly."""
    if cell.startswith(_FORMULA_START):
        return "'" + cell
    if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_START):
        return "'" + cell
    return cell


def unguard_formula(cell: str) -> str:
    """Undo :func:`guard_formula` (the CSV readers do): ``'=SUM(1)`` -> ``=SUM(1)``,
    ``'+1 555`` -> ``+1 555``, and ``''=x`` -> ``'=x`` (a value that began with ``'``
    before a formula character had its ``'`` doubled)."""
    if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_START):
        return cell[1:]
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
