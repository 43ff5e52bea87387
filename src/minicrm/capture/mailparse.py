"""One message: the headers capture needs, its key, whether it is noise, its excerpt.

Only the standard library: ``email`` with the ``compat32`` policy, which never raises on
a malformed header (the modern policy parses every header into objects, is several times
slower and raises on some hostile ones); headers are decoded here (RFC 2047 encoded words,
raw 8-bit bytes, unknown charsets), and the body is turned into a short plain-text
excerpt by :mod:`minicrm.capture.text`. Everything is bounded: a header block is read up
to :data:`HEADER_LIMIT` bytes, a body up to :data:`BODY_LIMIT`, a header value up to
:data:`VALUE_LIMIT` characters, so a 50 MB attachment costs no more than a short note.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from minicrm.capture.limits import BODY_LIMIT, HEADER_LIMIT

VALUE_LIMIT = 16 * 1024  # characters of one header value
MAX_ADDRESSES = 500  # addresses read from From, To and Cc together
FUTURE_SLACK = timedelta(days=1)  # a Date this far past delivery is not believed

_NO_REPLY = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster|bounces?)"
    r"(?:[-+_.].*)?$"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FOLD = re.compile(r"\r?\n[ \t]*")
_SURROGATES = re.compile("[\udc80-\udcff]")
# "Name <addr>" or "addr", the common cases, without the full RFC 5322 parser
_SIMPLE_ADDRESS = re.compile(
    r'\s*(?:"?([^"<>,;:@()\\]*?)"?\s*<([^<>\s,;:"()\\]+@[^<>\s,;:"()\\]+)>|([^<>\s,;:"()\\]+@[^<>\s,;:"()\\]+))\s*'
)


@dataclass(frozen=True)
class Headers:
    """What capture reads of one message's headers."""

    key: str  # "<message-id>", or "sha256:…" of stable headers when there is none
    sender: tuple[str, str] | None  # (display name, address casefolded)
    recipients: tuple[tuple[str, str], ...]  # To and Cc
    date: datetime | None  # the Date header, aware, if it parses
    subject: str
    noise: str | None  # why it is automated or list mail, else None
    delivered: datetime | None  # the top Received header's time, if any


def split_head(data: bytes) -> bytes:
    """The header block of a message (up to the first empty line, or all of ``data``)."""
    for sep in (b"\n\n", b"\r\n\r\n"):
        end = data.find(sep)
        if end >= 0:
            return data[: end + len(sep)]
    return data


def read_head(path: str) -> bytes:
    """A file's header block, read in chunks until the empty line (bounded)."""
    with open(path, "rb") as handle:
        data = handle.read(8192)
        while len(data) < HEADER_LIMIT and b"\n\n" not in data and b"\r\n\r\n" not in data:
            more = handle.read(65536)
            if not more:
                break
            data += more
    return split_head(data[:HEADER_LIMIT])


def _from_bytes(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def decode_charset(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset; an unknown or wrong one falls back to UTF-8, then
    cp1252, never raising."""
    name = (charset or "").strip().strip('"').lower() or "utf-8"
    if name in ("unknown-8bit", "x-unknown", "8bit", "us-ascii", "ascii"):
        return _from_bytes(data)
    try:
        return data.decode(name)
    except (LookupError, UnicodeDecodeError, ValueError, TypeError):
        return _from_bytes(data)


def header_text(value: object) -> str:
    """A raw header value as text: unfolded, encoded words decoded, 8-bit bytes read as
    UTF-8 (else cp1252), control characters removed. Never raises."""
    if value is None:
        return ""
    text = str(value)[:VALUE_LIMIT]
    if not text.isascii() and _SURROGATES.search(text):  # raw 8-bit bytes in the header
        text = _from_bytes(text.encode("utf-8", "surrogateescape"))
    text = _FOLD.sub(" ", text)
    if "=?" in text:
        try:
            parts = decode_header(text)
        except Exception:  # a malformed encoded word: keep the text as it was
            parts = [(text, None)]
        text = "".join(
            chunk if isinstance(chunk, str) else decode_charset(chunk, charset)
            for chunk, charset in parts
        )
    return " ".join(_CONTROL.sub(" ", text).split())


def _pairs(raw: list[str]) -> list[tuple[str, str]]:
    """(name, address) pairs: simple values by a pattern, anything else by the stdlib."""
    pairs: list[tuple[str, str]] = []
    for value in raw:
        simple = [] if "=?" in value or "\n" in value else value.split(",")
        matches = [_SIMPLE_ADDRESS.fullmatch(part) for part in simple]
        if simple and all(matches):
            pairs.extend((m[1] or "", m[2] or m[3]) for m in matches if m)
            continue
        try:
            pairs.extend(getaddresses([value]))
        except Exception:
            continue
    return pairs


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    raw = [v[:VALUE_LIMIT] for v in values]
    pairs = _pairs(raw)
    for name, addr in pairs[:MAX_ADDRESSES]:
        addr = _CONTROL.sub("", addr).strip().strip("<>").casefold()
        if "@" not in addr or len(addr) > 254 or " " in addr:
            continue
        found.append((header_text(name).strip("\"' "), addr))
    return found


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value[:200])
    except Exception:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:  # "-0000": the zone is unknown; read it as UTC
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _received_time(values: list[str]) -> datetime | None:
    """The time in the topmost Received header (after its last ``;``): when the last
    server handed the message on, which is close to its delivery."""
    if not values:
        return None
    top = values[0][:VALUE_LIMIT]
    if ";" not in top:
        return None
    return _date(_FOLD.sub(" ", top.rsplit(";", 1)[1]).strip())


def is_no_reply(address: str) -> bool:
    return bool(_NO_REPLY.match(address.split("@", 1)[0]))


def _noise(items: dict[str, list[str]], sender: tuple[str, str] | None) -> str | None:
    if "list-id" in items:
        return "List-Id"
    if "list-unsubscribe" in items:
        return "List-Unsubscribe"
    precedence = " ".join(items.get("precedence", [])).strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return f"Precedence: {precedence}"
    auto = " ".join(items.get("auto-submitted", [])).strip().lower()
    if auto and auto != "no":
        return "Auto-Submitted"
    if sender is not None and is_no_reply(sender[1]):
        return "no-reply sender"
    if items.get("return-path") and items["return-path"][0].strip() in ("<>", ""):
        return "bounce"
    return None


def header_items(head: bytes) -> dict[str, list[str]]:
    """A header block as {lower-case name: [raw values]}, folded lines joined. Lines that
    are not ``Name: value`` are skipped (as lenient as the email package, ~4x faster).
    Raw 8-bit bytes stay as surrogate escapes, as the email package keeps them."""
    items: dict[str, list[str]] = {}
    name: str | None = None
    text = head.decode("ascii", "surrogateescape")
    for line in text.splitlines():
        if not line.strip():
            if name is not None or items:
                break  # the end of the headers
            continue
        if line[0] in " \t":
            if name is not None:
                values = items[name]
                if len(values[-1]) < VALUE_LIMIT:
                    values[-1] += "\n" + line
            continue
        key, colon, value = line.partition(":")
        if not colon or not key or len(key) > 100 or " " in key.strip():
            name = None
            continue
        name = key.strip().lower()
        items.setdefault(name, []).append(value.lstrip())
    return items


def parse_headers(head: bytes) -> Headers:
    """Read a header block (bytes up to the empty line). Never raises on bad input."""
    items = header_items(head)
    senders = _addresses(items.get("from", []))
    sender = senders[0] if senders else None
    recipients = tuple(_addresses(items.get("to", []) + items.get("cc", [])))
    date_raw = items.get("date", [None])[0]
    subject = header_text(items.get("subject", [""])[0])
    message_id = _message_id(items.get("message-id", []))
    if message_id is None:
        stable = "\0".join(
            header_text(items.get(h, [""])[0]) for h in ("from", "to", "cc", "date", "subject")
        )
        message_id = "sha256:" + hashlib.sha256(stable.encode("utf-8", "replace")).hexdigest()
    return Headers(
        key=message_id,
        sender=sender,
        recipients=recipients,
        date=_date(header_text(date_raw) if date_raw else None),
        subject=subject,
        noise=_noise(items, sender),
        delivered=_received_time(items.get("received", [])),
    )


def _message_id(values: list[str]) -> str | None:
    for value in values:
        text = "".join(header_text(value).split())
        match = re.search(r"<([^<>]{1,995})>", text)
        found = match.group(1) if match else text.strip("<>")
        if found and len(found) <= 995:
            return f"<{found}>"
    return None


def when(headers: Headers, delivered: datetime | None, now: datetime) -> datetime:
    """When the message was written: its Date, unless that is missing, does not parse, or
    lies after its delivery (plus a day of clock skew) or in the future; then the
    delivery time (the top Received header, else the file's), else now."""
    delivery = headers.delivered or delivered
    if delivered is not None and delivery is not None:
        delivery = min(delivery, delivered)
    if delivery is not None and delivery > now:
        delivery = now
    date = headers.date
    if date is not None and date.year >= 1980:
        limit = (delivery or now) + FUTURE_SLACK
        if date <= min(limit, now + FUTURE_SLACK):
            return min(date, now)
    return delivery or now


def body_text(data: bytes) -> str:
    """The plain text of a message (its first text/plain part, else its first text/html
    part as text), from at most :data:`BODY_LIMIT` bytes. Attachments are not read."""
    from minicrm.capture.text import html_to_text  # lazy: start-up

    msg = message_from_bytes(data[:BODY_LIMIT], policy=compat32)
    html: str | None = None
    for count, part in enumerate(_walk(msg)):
        if count > 200:
            break
        if part.is_multipart():
            continue
        disposition = str(part.get("Content-Disposition", "")).lower()
        if disposition.startswith("attachment"):
            continue
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        text = decode_charset(payload, _charset(part))
        if ctype == "text/plain":
            return text
        if html is None:
            html = text
    return html_to_text(html) if html is not None else ""


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _walk(msg: Message) -> list[Message]:
    """The message's parts, depth first, without recursion (a hostile message may nest
    thousands deep)."""
    out: list[Message] = []
    stack = [msg]
    while stack and len(out) < 1000:
        part = stack.pop()
        out.append(part)
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(reversed([c for c in children if isinstance(c, Message)]))
    return out
