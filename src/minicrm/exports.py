"""Exporting: minicrm's JSON dump (and its restore), vCard files and vdirs, CSV for
spreadsheets and Google, iCalendar for follow-ups and birthdays. Files are written
atomically (a temporary file, then a rename) and created 0600: they hold personal data."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from minicrm import clock, followups
from minicrm.errors import Conflict, InvalidInput, MinicrmError
from minicrm.formats import jsondump
from minicrm.models import Contact
from minicrm.store import dump as dump_queries
from minicrm.store.db import Store
from minicrm.store.schema import DATA_TABLES, migration_names

FORMATS = ("json", "csv", "google", "vcard", "ics")


def dump(store: Store, contacts: Sequence[Contact] | None = None) -> dict[str, Any]:
    """The complete dump, or the part that belongs to ``contacts``."""
    ids = None if contacts is None else [c.id for c in contacts]
    with store.snapshot():
        return {
            "format": jsondump.FORMAT,
            "version": jsondump.VERSION,
            "schema": migration_names(),
            "tables": {table: dump_queries.rows(store, table, ids) for table in DATA_TABLES},
        }


def restore(store: Store, data: dict[str, Any]) -> dict[str, int]:
    """Put a dump back, ids and all, into an EMPTY database (one transaction)."""
    jsondump.check_dump(data, DATA_TABLES)
    counts = {}
    with store.transaction():
        if not dump_queries.is_empty(store):
            raise InvalidInput("restoring a dump with its ids needs an empty database")
        for table in DATA_TABLES:
            rows = data["tables"].get(table, [])
            _check_rows(table, rows, store.columns(table))
            if table == "contacts" and rows and "last_interaction_id" not in rows[0]:
                rows = _with_last_interactions(rows, data["tables"])
            store.insert_many(table, rows)
            counts[table] = len(rows)
    return counts


def _with_last_interactions(contacts: list[Any], tables: dict[str, Any]) -> list[Any]:
    """A dump made before contacts.last_interaction_id existed (migration 0010): fill it
    from the dump's own interactions, as the migration does for a database."""
    when = {
        i["id"]: (str(i.get("occurred_at") or ""), i["id"])
        for i in tables.get("interactions", [])
        if isinstance(i, dict) and isinstance(i.get("id"), int)
    }
    latest: dict[Any, tuple[str, int]] = {}
    for link in tables.get("interaction_contacts", []):
        if not isinstance(link, dict) or link.get("interaction_id") not in when:
            continue
        key = when[link["interaction_id"]]
        if key > latest.get(link.get("contact_id"), ("", -1)):
            latest[link.get("contact_id")] = key
    return [
        {**row, "last_interaction_id": latest[row["id"]][1] if row["id"] in latest else None}
        for row in contacts
    ]


def _check_rows(table: str, rows: list[Any], columns: list[str]) -> None:
    """Refuse (InvalidInput) dump rows the table cannot take as they are: not objects,
    without an integer id, with columns the table lacks or values that are not scalars."""
    for number, row in enumerate(rows, start=1):
        where = f"the dump's {table} row {number}"
        if not isinstance(row, dict) or "id" not in row:
            raise InvalidInput(f"the dump's {table} rows need an id each")
        if isinstance(row["id"], bool) or not isinstance(row["id"], int):
            raise InvalidInput(f"{where} has an id that is not a whole number: {row['id']!r}")
        unknown = sorted(str(k) for k in row if k not in columns)
        if unknown:
            raise InvalidInput(
                f"{where} has columns the table does not have: {', '.join(unknown)}",
                hint="is it a dump of another minicrm version?",
            )
        for key, value in row.items():
            if value is not None and not isinstance(value, str | int | float):
                raise InvalidInput(f"{where}: {key} is a {type(value).__name__}, not a value")
        if set(row) != set(rows[0]):
            raise InvalidInput(f"{where} has other columns than the table's first row")


def to_json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render(
    store: Store,
    fmt: str,
    contacts: Sequence[Contact],
    *,
    whole: bool,
    vcard_version: str = "4.0",
    include_photo: bool = True,
    raw: bool = False,
) -> str:
    """The export as text. ``whole``: no filter was given (the JSON dump is complete)."""
    if fmt == "json":
        return to_json_text(dump(store, None if whole else contacts))
    if fmt == "vcard":
        from minicrm.formats import vcard

        return vcard.to_vcards(contacts, version=vcard_version, include_photo=include_photo)
    if fmt == "google":
        from minicrm.formats import google_csv

        return google_csv.to_google_csv(contacts, raw=raw)
    if fmt == "csv":
        import io

        from minicrm.render import CONTACT_CSV_COLUMNS, contact_csv_row, write_delimited

        buffer = io.StringIO()
        write_delimited(
            CONTACT_CSV_COLUMNS, (contact_csv_row(c) for c in contacts), raw=raw, file=buffer
        )
        return buffer.getvalue()
    if fmt == "ics":
        from minicrm.formats import ics

        wanted = {c.id for c in contacts}
        open_items = [
            f
            for f in followups.list_followups(store)
            if whole or (f.contact is not None and f.contact.id in wanted)
        ]
        birthdays = [(c, "birthday", c.birthday) for c in contacts if c.birthday and not c.archived]
        birthdays += [
            (c, d.label or "date", d.value) for c in contacts if not c.archived for d in c.dates
        ]
        return ics.to_ics(open_items, birthdays, now_stamp=clock.utc_stamp())
    raise InvalidInput(f"unknown export format {fmt!r}", hint=f"one of: {', '.join(FORMATS)}")


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, mode 0600."""
    path = Path(path)
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder", hint="give a file name, or --vdir for a folder")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise MinicrmError(f"cannot write in {directory}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise MinicrmError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")
_HASHED_NAME = re.compile(r"^[0-9a-f]{32}$")


def vdir_name(uid: str) -> str:
    """The file name for a contact in a vdir: ``<uid>.vcf``, or a hash of the uid when it
    has characters a file name must not carry (``/``, ``..``, ...).

    Two uids never get the same name: a uid that is itself 32 lowercase hex digits, the
    form of a hashed name, is hashed too, so that ``../x`` and ``<sha256 of ../x>[:32]``
    are two files."""
    if _SAFE_NAME.match(uid) and ".." not in uid and not _HASHED_NAME.match(uid):
        return f"{uid}.vcf"
    return hashlib.sha256(uid.encode("utf-8")).hexdigest()[:32] + ".vcf"


def write_vdir(
    directory: Path,
    contacts: Iterable[Contact] | Callable[[], Iterable[Contact]],
    *,
    version: str = "4.0",
    include_photo: bool = True,
) -> int:
    """One ``<uid>.vcf`` per contact in ``directory`` (created 0700), as vdirsyncer expects.

    ``contacts``: the contacts, or a function that gives them afresh (they are read twice,
    so that a stream of 100,000 need not be held). Every name is worked out before
    anything is written: two contacts whose files would be one (names equal ignoring
    case, as on a case-insensitive disk) are refused (Conflict, naming both), never one
    written over the other."""
    from minicrm.formats import vcard

    read = contacts if callable(contacts) else (lambda: contacts)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise InvalidInput(f"{directory} is not a folder")
    taken: dict[str, tuple[int, str, str]] = {}  # folded name -> (id, name, uid)
    for contact in read():
        name = vdir_name(contact.uid)
        other = taken.setdefault(name.casefold(), (contact.id, contact.name, contact.uid))
        if other[0] != contact.id:
            raise Conflict(
                f"#{other[0]} {other[1]} (uid {other[2]!r}) and #{contact.id} {contact.name} "
                f"(uid {contact.uid!r}) would both be written to {name}; nothing was written",
                hint="give one of them another uid, or export them apart",
            )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    root = directory.resolve()
    written = 0
    for contact in read():
        target = (directory / vdir_name(contact.uid)).resolve()
        if target.parent != root:
            raise MinicrmError(f"refusing to write outside {root}: {target}")
        write_file(target, vcard.to_vcard(contact, version=version, include_photo=include_photo))
        written += 1
    return written
