"""Where mail is on disk: Maildirs (and trees of them), mbox files, ``.eml`` files, and
reading each only from where the last run stopped.

A Maildir is read by file name: a file's name up to ``:2,`` (its flags change when it is
read or moved from new/ to cur/, its name before them never does) is remembered once
read. A folder whose cur/ and new/ have not changed since the last run (their modification
times, trusted only once they are a few seconds old, as git trusts its index) is not
even listed. An mbox is read from the offset where the last run stopped, as long as its
first bytes are the same and it has not shrunk; otherwise it is read again from the start
(the keys make a second reading harmless).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from minicrm.capture.limits import BODY_LIMIT, HEADER_LIMIT
from minicrm.core.errors import InvalidInput

# Imported by mailparse (which needs the email package): a re-run that finds nothing new
# imports neither.

SETTLED_NS = 2_000_000_000  # a folder time this old can be trusted to change on new mail
MAX_DEPTH = 32
_SKIP_DIRS = {".notmuch", ".git", "tmp", ".mbsyncstate.journal"}
_FLAGS = re.compile(r"[:!;]2,.*$", re.DOTALL)
_MBOX_SUFFIXES = {".mbox", ".mbx", ".mbs", ""}
MAIL_HINT = "give a Maildir (a folder with cur/ and new/), a tree of them, an mbox file, .eml files or a folder of them"


@dataclass(frozen=True)
class Source:
    """One place mail is read from, and remembered by."""

    path: str  # absolute
    kind: str  # maildir, mbox or eml
    only: tuple[str, ...] = ()  # eml: the files given by name (empty: every .eml)


@dataclass(frozen=True)
class RawMessage:
    """A message found in a source: its header block, and where to read the rest."""

    name: str  # what the read state remembers it by
    file: str
    head: bytes
    delivered: datetime | None  # from the Maildir name, the mbox From_ line, the file time
    offset: int = 0  # in an mbox
    length: int = -1  # in an mbox; -1: the whole file

    @property
    def where(self) -> str:
        """The file (and, in an mbox, where in it), for problems."""
        return self.file if self.length < 0 else f"{self.file} (at byte {self.offset})"


@dataclass
class Reading:
    """What one source holds that is new, and its read state after this run."""

    source: Source
    state_id: int | None
    fingerprint: str | None
    offset: int = 0
    new: list[tuple[str, str]] = field(default_factory=list)  # (name, file) to read
    gone: list[str] = field(default_factory=list)  # names remembered that are no longer there
    unchanged: bool = False  # nothing to read (no listing was needed)
    size: int = 0  # mbox bytes to read


def is_maildir(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "cur")) and os.path.isdir(os.path.join(path, "new"))


def _looks_like_mbox(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def discover(paths: Sequence[Path | str]) -> list[Source]:
    """The mail sources under the given paths, each once."""
    found: dict[tuple[str, str], Source] = {}
    eml_files: dict[str, list[str]] = {}
    for given in paths:
        path = Path(given).expanduser()
        try:
            is_dir, is_file = path.is_dir(), path.is_file()
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}", hint=MAIL_HINT) from None
        if not is_dir and not is_file:
            raise InvalidInput(f"no such file or folder: {path}", hint=MAIL_HINT)
        resolved = os.path.realpath(path)
        if is_file:
            if _looks_like_mbox(resolved):
                found[("mbox", resolved)] = Source(resolved, "mbox")
            elif path.suffix.lower() == ".eml" or _looks_like_message(resolved):
                folder, name = os.path.split(resolved)
                eml_files.setdefault(folder, []).append(name)
            else:
                raise InvalidInput(
                    f"{path} is neither an mbox (it would start with 'From ') nor a message",
                    hint=MAIL_HINT,
                )
            continue
        if not _walk(resolved, found, eml_files):
            raise InvalidInput(f"{path} holds no mail that minicrm can read", hint=MAIL_HINT)
    for folder, names in eml_files.items():
        whole = ("eml", folder) in found
        if not whole:
            found[("eml", folder)] = Source(folder, "eml", tuple(sorted(set(names))))
    return list(found.values())


def _looks_like_message(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            start = handle.read(2048)
    except OSError:
        return False
    return bool(re.match(rb"(?:[A-Za-z-]{1,60}:[^\n]*\r?\n)+", start)) and b":" in start[:80]


def _walk(root: str, found: dict[tuple[str, str], Source], eml: dict[str, list[str]]) -> int:
    """Add the sources under ``root``; returns how many there are (even if known)."""
    count = 0
    base_depth = root.rstrip(os.sep).count(os.sep)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        if dirpath.count(os.sep) - base_depth >= MAX_DEPTH:
            dirnames[:] = []
        if is_maildir(dirpath):
            found[("maildir", dirpath)] = Source(dirpath, "maildir")
            count += 1
            dirnames[:] = [d for d in dirnames if d not in ("cur", "new", "tmp")]
            filenames = []  # a Maildir's own files are the client's (dovecot-uidlist, ...)
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        emls = []
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            suffix = os.path.splitext(name)[1].lower()
            if suffix == ".eml":
                emls.append(name)
            elif suffix in _MBOX_SUFFIXES and _looks_like_mbox(full):
                found[("mbox", full)] = Source(full, "mbox")
                count += 1
        if emls:
            found[("eml", dirpath)] = Source(dirpath, "eml")
            eml.pop(dirpath, None)
            count += 1
    return count


def maildir_key(file_name: str) -> str:
    return _FLAGS.sub("", file_name)


def _listing(path: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for sub in ("new", "cur"):  # cur/ last: a message moved meanwhile is found there
        folder = os.path.join(path, sub)
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if not entry.name.startswith("."):
                        names[maildir_key(entry.name)] = entry.path
        except OSError:
            continue
    return names


def maildir_fingerprint(path: str, started_ns: int) -> tuple[str | None, bool]:
    """(cur/ and new/'s times, whether they are old enough to be trusted)."""
    try:
        cur = os.stat(os.path.join(path, "cur")).st_mtime_ns
        new = os.stat(os.path.join(path, "new")).st_mtime_ns
    except OSError:
        return None, False
    settled = max(cur, new) < started_ns - SETTLED_NS
    return f"{cur}/{new}", settled


def plan_maildir(source: Source, state_id: int | None, seen: set[str], started_ns: int) -> Reading:
    """What is new in a Maildir: the files whose names are not in ``seen``."""
    current, settled = maildir_fingerprint(source.path, started_ns)
    listing = _listing(source.path)
    reading = Reading(source, state_id, current if settled else None)
    reading.new = [(name, listing[name]) for name in sorted(listing) if name not in seen]
    reading.gone = sorted(seen - listing.keys())
    return reading


def plan_eml(source: Source, state_id: int | None, seen: set[str]) -> Reading:
    if source.only:
        names = list(source.only)
    else:
        try:
            names = sorted(
                n
                for n in os.listdir(source.path)
                if n.lower().endswith(".eml") and not n.startswith(".")
            )
        except OSError:
            names = []
    reading = Reading(source, state_id, None)
    reading.new = [(n, os.path.join(source.path, n)) for n in names if n not in seen]
    if not source.only:
        reading.gone = sorted(seen - set(names))
    return reading


def _head_hash(path: str, length: int) -> str | None:
    """``N:hash`` of the first N bytes (N up to 4 KiB, within what was read): the same
    while mail is only appended; different once a client rewrites the file."""
    import hashlib

    try:
        with open(path, "rb") as handle:
            data = handle.read(min(length, 4096))
    except OSError:
        return None
    return f"{len(data)}:{hashlib.sha256(data).hexdigest()[:32]}"


def plan_mbox(
    source: Source, state_id: int | None, fingerprint: str | None, offset: int
) -> Reading:
    try:
        size = os.path.getsize(source.path)
    except OSError:
        size = 0
    known = int(fingerprint.split(":", 1)[0]) if fingerprint and fingerprint[0].isdigit() else 0
    if (
        fingerprint is None
        or _head_hash(source.path, known) != fingerprint
        or not 0 <= offset <= size
    ):
        offset = 0  # new, rewritten or shrunk: read it all (the keys make that harmless)
    reading = Reading(
        source, state_id, _head_hash(source.path, size), offset=offset, size=size - offset
    )
    reading.unchanged = offset == size
    return reading


def _timestamp(seconds: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def delivered_from_name(name: str, path: str) -> datetime | None:
    """A Maildir file name starts with its delivery time; else the file's time."""
    digits = name.split(".", 1)[0]
    if digits.isdigit() and 9 <= len(digits) <= 11:
        return _timestamp(int(digits))
    try:
        return _timestamp(os.stat(path).st_mtime)
    except OSError:
        return None


def read_files(reading: Reading) -> Iterator[RawMessage | tuple[str, str, str]]:
    """Each new file's header block; a file that cannot be read is (name, file, reason),
    and one that vanished meanwhile (moved by the mail client) is left for the next run."""
    from minicrm.capture.mailparse import read_head  # lazy: start-up

    for name, path in reading.new:
        try:
            head = read_head(path)
        except FileNotFoundError:
            moved = (
                _relocate(reading.source.path, name) if reading.source.kind == "maildir" else None
            )
            if moved is None:
                continue
            try:
                head = read_head(moved)
            except OSError:
                continue
            path = moved
        except OSError as exc:
            yield (name, path, f"cannot read it: {exc.strerror}")
            continue
        yield RawMessage(name, path, head, delivered_from_name(os.path.basename(path), path))


def _relocate(folder: str, name: str) -> str | None:
    listing = _listing(folder)
    return listing.get(name)


def _from_line_time(line: bytes) -> datetime | None:
    from email.utils import parsedate_tz

    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 3:
        return None
    try:
        parsed = parsedate_tz(parts[2].strip())
        if parsed is None:
            return None
        return datetime(*parsed[:6], tzinfo=UTC)
    except (ValueError, TypeError, OverflowError):
        return None


def read_mbox(reading: Reading) -> Iterator[RawMessage]:
    """Each message of an mbox from the reading's offset: its header block, offset and
    length. ``reading.offset`` ends where the reading stopped."""

    path = reading.source.path
    chunk = 1 << 20
    with open(path, "rb") as handle:
        handle.seek(reading.offset)
        position = reading.offset
        start = -1
        head = b""
        in_head = False
        from_line = b""
        at_line_start = True
        blank_before = True
        end_of_data = reading.offset + reading.size
        while position < end_of_data:
            line = handle.readline(chunk)
            if not line:
                break
            if at_line_start and blank_before and line.startswith(b"From "):
                if start >= 0:
                    yield _mbox_message(path, start, position - start, head, from_line)
                start, head, in_head, from_line = position, b"", True, line
            elif start >= 0 and in_head and at_line_start:
                if line in (b"\n", b"\r\n") or len(head) >= HEADER_LIMIT:
                    in_head = False
                    head += line
                else:
                    head += line
            elif start >= 0 and in_head:
                head += line[: max(0, HEADER_LIMIT - len(head))]
            position += len(line)
            ends = line.endswith(b"\n")
            if at_line_start:
                blank_before = line in (b"\n", b"\r\n")
            elif ends:
                blank_before = False
            at_line_start = ends
        if start >= 0:
            yield _mbox_message(path, start, position - start, head, from_line)
        reading.offset = position


def _mbox_message(path: str, start: int, length: int, head: bytes, from_line: bytes) -> RawMessage:
    from minicrm.capture.mailparse import split_head  # lazy: start-up

    return RawMessage(
        name=str(start),
        file=path,
        head=split_head(head),
        delivered=_from_line_time(from_line),
        offset=start,
        length=length,
    )


def message_bytes(message: RawMessage) -> bytes:
    """The message itself (up to BODY_LIMIT bytes), for its excerpt."""
    with open(message.file, "rb") as handle:
        if message.length < 0:
            return handle.read(BODY_LIMIT)
        handle.seek(message.offset)
        data = handle.read(min(message.length, BODY_LIMIT))
        if data.startswith(b"From "):  # the mbox's separator line is not part of the message
            data = data.split(b"\n", 1)[1] if b"\n" in data else b""
        return data
