"""Exporting: minicrm's JSON dump (and its restore), vCard files and vdirs, CSV for
spreadsheets and Google, iCalendar for follow-ups and birthdays. Files are written
atomically (a temporary file, then a rename) and created 0600: they hold personal data;
a FIFO or a device given as the output is written directly (:func:`open_output`)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from minicrm.activity import followups
from minicrm.contacts.models import Contact
from minicrm.core import clock
from minicrm.core.errors import Conflict, InvalidInput, MinicrmError
from minicrm.core.paths import make_private_dirs
from minicrm.db import dump as dump_queries
from minicrm.db.schema import DATA_TABLES, migration_names
from minicrm.db.store import Store
from minicrm.interchange.formats import jsondump
from minicrm.interchange.restore_checks import check_rows, check_values

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


def check_restore(store: Store, data: dict[str, Any]) -> None:
    """Refuse (InvalidInput) a dump that cannot be restored as it is: another version,
    unknown tables or columns, or a value that ``add`` or ``import`` would refuse (the
    message names the table, the row id and the field). Writes nothing."""
    jsondump.check_dump(data, DATA_TABLES)
    for table in DATA_TABLES:
        rows = data["tables"].get(table, [])
        check_rows(table, rows, store.columns(table))
        check_values(table, rows)


def restore(store: Store, data: dict[str, Any]) -> dict[str, int]:
    """Put a dump back, ids and all, into an EMPTY database (one transaction), after
    :func:`check_restore`."""
    check_restore(store, data)
    counts = {}
    with store.transaction():
        if not dump_queries.is_empty(store):
            raise InvalidInput("restoring a dump with its ids needs an empty database")
        for table in DATA_TABLES:
            rows = data["tables"].get(table, [])
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
    compact: bool = False,
) -> str:
    """The export of ``contacts`` as text (what :func:`write_export` writes). ``whole``:
    no filter was given (the JSON dump is complete)."""
    import io

    buffer = io.StringIO()
    _write(
        store,
        buffer,
        fmt,
        lambda: contacts,
        lambda: [c.id for c in contacts],
        whole=whole,
        vcard_version=vcard_version,
        include_photo=include_photo,
        raw=raw,
        compact=compact,
    )
    return buffer.getvalue()


def write_export(
    store: Store,
    out: IO[str],
    fmt: str = "json",
    *,
    criteria: dict[str, Any] | None = None,
    whole: bool | None = None,
    vcard_version: str = "4.0",
    include_photo: bool = True,
    raw: bool = False,
    compact: bool = False,
) -> int:
    """Write the export to ``out`` as it is read, in bounded memory: contacts a batch at
    a time, dump rows a batch at a time, never the whole export as one string. Returns
    how many contacts it holds.

    ``criteria``: which contacts, as :func:`minicrm.contacts.reading.list_contacts` takes them
    (query, tags, company, stage, archived); None for all of them (in JSON the complete
    dump, archived contacts included; the other formats leave archived contacts out).
    ``whole`` (default: no ``criteria``): nothing was filtered, so the JSON dump is
    complete and the calendar has every open follow-up. Contacts come in id order. One
    read transaction: the export is one consistent state even while other processes
    write."""
    from minicrm.contacts import reading as contact_domain  # lazy: start-up

    whole = criteria is None if whole is None else whole
    chosen = dict(criteria or {"archived": None if fmt == "json" else False}, sort="id")

    def ids() -> list[int]:
        return [line.id for line in contact_domain.list_contact_lines(store, **chosen)]

    counted = 0

    def read() -> Iterator[Contact]:
        nonlocal counted
        counted = 0
        for contact in contact_domain.iter_contacts(store, **chosen):
            counted += 1
            yield contact

    with store.snapshot():
        written = _write(
            store,
            out,
            fmt,
            read,
            ids,
            whole=whole,
            vcard_version=vcard_version,
            include_photo=include_photo,
            raw=raw,
            compact=compact,
        )
    return written if written is not None else counted


def _write(
    store: Store,
    out: IO[str],
    fmt: str,
    contacts: Callable[[], Iterable[Contact]],
    ids: Callable[[], list[int]],
    *,
    whole: bool,
    vcard_version: str,
    include_photo: bool,
    raw: bool,
    compact: bool,
) -> int | None:
    """Write one format; returns the number of contacts when the writer counted them
    itself (the JSON dump), else None (``contacts`` counted them as they were read)."""
    if compact and fmt != "json":
        raise InvalidInput("--compact is for --format json")
    if fmt == "json":
        chosen = None if whole else ids()
        head = {"format": jsondump.FORMAT, "version": jsondump.VERSION, "schema": migration_names()}
        layout = jsondump.row_layout(compact)
        tables = [
            (
                t,
                dump_queries.json_row_batches(
                    store,
                    t,
                    chosen,
                    opening=layout["opening"],
                    item_separator=layout["item_separator"],
                    key_separator=layout["key_separator"],
                    closing=layout["closing"],
                ),
            )
            for t in DATA_TABLES
        ]
        jsondump.write_dump(out, head, tables, compact=compact)
        dump_queries.note_damaged(store, chosen)
        return len(chosen) if chosen is not None else dump_queries.count(store, "contacts")
    if fmt == "vcard":
        from minicrm.interchange.formats import vcard  # lazy: start-up

        parts: list[str] = []
        for contact in contacts():
            parts.append(
                vcard.to_vcard(contact, version=vcard_version, include_photo=include_photo)
            )
            if len(parts) >= 500:
                out.write("".join(parts))
                parts.clear()
        out.write("".join(parts))
        return None
    if fmt == "google":
        from minicrm.interchange.formats import google_csv  # lazy: start-up

        most = dump_queries.most_items(store, ids(), google_csv.OWN_COLUMN_CUSTOM)
        google_csv.write_google_csv(out, contacts, raw=raw, most=most)
        return None
    if fmt == "csv":
        from minicrm.interchange.formats import minicrm_csv  # lazy: start-up

        minicrm_csv.write_contacts(contacts(), raw=raw, file=out)
        return None
    if fmt == "ics":
        from minicrm.interchange.formats import ics  # lazy: start-up

        wanted = None if whole else set(ids())
        tasks = [
            t
            for t in followups.series_tasks(store)
            if wanted is None
            or (t.followup.contact is not None and t.followup.contact.id in wanted)
        ]
        ics.write_ics(out, tasks, yearly_dates(contacts()), now_stamp=clock.utc_stamp())
        return None
    raise InvalidInput(f"unknown export format {fmt!r}", hint=f"one of: {', '.join(FORMATS)}")


def yearly_dates(contacts: Iterable[Contact]) -> Iterator[tuple[Contact, str, str]]:
    """(contact, label, value) of the birthdays of the contacts that are not archived,
    then of their other yearly dates: the order of the calendar's VEVENTs. The contacts
    are read once; only those with dates are kept for the second part."""
    with_dates: list[Contact] = []
    for c in contacts:
        if c.archived:
            continue
        if c.birthday:
            yield c, "birthday", c.birthday
        if c.dates:
            with_dates.append(c)
    for c in with_dates:
        for d in c.dates:
            yield c, d.label or "date", d.value


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, mode 0600."""
    with open_atomic(path) as handle:
        handle.write(text)


@contextmanager
def open_output(path: Path) -> Iterator[IO[str]]:
    """A text file to write the output named by ``export -o PATH`` through, as ``cp``
    would treat PATH: a regular file (or nothing yet) is replaced atomically, mode 0600
    (:func:`open_atomic`); a symbolic link is followed and its target replaced so, the
    link staying a link; a FIFO or a character device (``/dev/stdout``, ``/dev/fd/N``
    too) is opened and written directly (no temporary file, no rename, no chmod). A
    folder, a socket or a block device is refused (InvalidInput)."""
    path = Path(path)
    target, direct = _output_target(path)
    if not direct:
        with open_atomic(target) as handle:
            yield handle
        return
    try:
        handle = open(target, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        raise MinicrmError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with handle:
            yield handle
    except OSError as exc:
        raise MinicrmError(f"cannot write {path}: {exc.strerror}") from None


_STREAM_PATHS = ("/proc/", "/dev/fd/", "/dev/stdout", "/dev/stderr")


def _output_target(path: Path) -> tuple[Path, bool]:
    """(the path to write, whether to write it directly rather than replace it)."""
    try:
        mode = path.stat().st_mode  # through any links
    except FileNotFoundError:  # nothing there, or a link to nothing yet: create the target
        return (Path(os.path.realpath(path)) if path.is_symlink() else path), False
    except OSError as exc:
        raise MinicrmError(f"cannot write {path}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise InvalidInput(f"{path} is a folder", hint="give a file name, or --vdir for a folder")
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return path, True
    if not stat.S_ISREG(mode):
        kind = "a socket" if stat.S_ISSOCK(mode) else "a block device"
        raise InvalidInput(
            f"{path} is {kind}; refusing to write to it",
            hint="give a file name, or - for standard output",
        )
    if _names_a_stream(path):  # /dev/stdout while stdout is a file: write into it
        return path, True
    return (Path(os.path.realpath(path)) if path.is_symlink() else path), False


def _names_a_stream(path: Path) -> bool:
    """Whether ``path`` or a link on the way to its target names an open stream
    (``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1``): one to write into, never to
    rename a file over."""
    current = os.path.abspath(path)
    for _ in range(40):
        if current.startswith(_STREAM_PATHS):
            return True
        if not os.path.islink(current):
            return False
        current = os.path.join(os.path.dirname(current), os.readlink(current))
        current = os.path.abspath(current)
    return False


@contextmanager
def open_atomic(path: Path) -> Iterator[IO[str]]:
    """A text file to write ``path`` through: a temporary file (mode 0600) in the same
    folder, renamed over ``path`` when the block ends without an error, and removed
    otherwise, so nobody ever sees half a file."""
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
            yield handle
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
    from minicrm.interchange.formats import vcard  # lazy: start-up

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
    make_private_dirs(directory)  # its missing parents 0700 too
    root = directory.resolve()
    written = 0
    for contact in read():
        target = (directory / vdir_name(contact.uid)).resolve()
        if target.parent != root:
            raise MinicrmError(f"refusing to write outside {root}: {target}")
        write_file(target, vcard.to_vcard(contact, version=version, include_photo=include_photo))
        written += 1
    return written
